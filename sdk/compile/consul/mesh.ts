import type { ConfigEntry } from "../../plan";

/**
 * Mesh-wide security settings (the `mesh` config entry):
 * - `SanitizeXForwardedClientCert`: a sidecar drops any `x-forwarded-client-cert` the caller
 *   sent. Without it Consul forwards a caller-supplied entry ahead of the real one, and an app
 *   reading the first entry trusts a forged caller. In Consul 1.16 it also adds none for the
 *   verified peer certificate (seen on the real components: the app gets no such header at
 *   all), so apps cannot learn their caller's identity from it; the intentions judge it.
 * - `AllowEnablingPermissiveMutualTLS: false`: no service can be switched to accept plaintext.
 * - TLS 1.2 at least between sidecars.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/mesh
 */
export function meshEntry(): ConfigEntry {
  return {
    Kind: "mesh",
    Name: "mesh",
    AllowEnablingPermissiveMutualTLS: false,
    TLS: { Incoming: { TLSMinVersion: "TLSv1_2" }, Outgoing: { TLSMinVersion: "TLSv1_2" } },
    HTTP: { SanitizeXForwardedClientCert: true },
  };
}
