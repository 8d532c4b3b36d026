import type { ConfigEntry } from "../../plan";
import { JWT_PROVIDER_NAME } from "../keycloak/claims";
import type { ResolvedIdentity } from "../resolve";

/**
 * The realm as a Consul JWT provider. Keys are fetched from Keycloak's JWKS endpoint
 * asynchronously, so sidecars start even while Keycloak is still booting.
 *
 * `JWKSCluster.DiscoveryType: STRICT_DNS`: otherwise Consul 1.16 makes a static cluster of
 * the host name and Envoy rejects the whole cluster update ("malformed IP address").
 * No `CacheDuration`: Consul 1.16 hands it to Envoy in the wrong unit ("5m" arrives as
 * 300000000000 s) and Envoy rejects the public listener; Envoy's default applies.
 */
export function jwtProvider(identity: ResolvedIdentity): ConfigEntry {
  return {
    Kind: "jwt-provider",
    Name: JWT_PROVIDER_NAME,
    Issuer: identity.issuer,
    JSONWebKeySet: {
      Remote: {
        URI: `${identity.issuer}/protocol/openid-connect/certs`,
        RequestTimeoutMs: 5000,
        FetchAsynchronously: true,
        RetryPolicy: { NumRetries: 5 },
        JWKSCluster: { DiscoveryType: "STRICT_DNS", ConnectTimeout: "5s" },
      },
    },
    Locations: [{ Header: { Name: "Authorization", ValuePrefix: "Bearer ", Forward: true } }],
    ClockSkewSeconds: 30,
  };
}
