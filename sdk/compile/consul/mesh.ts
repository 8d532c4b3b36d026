import type { ConfigEntry } from "../../plan";

/**
 * Mesh-wide security settings (the `mesh` config entry):
 * - `SanitizeXForwardedClientCert`: a sidecar removes `x-forwarded-client-cert` from every
 *   request it passes to its app (Envoy's `SANITIZE`), so an app never sees a caller-supplied
 *   entry; it sees none at all, the caller's identity being the sidecar's business (its
 *   intentions). Without it Consul forwards a caller-supplied entry ahead of the real one, and
 *   an app reading the first entry trusts a forged caller.
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
