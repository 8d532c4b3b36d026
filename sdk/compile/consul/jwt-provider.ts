import type { ConfigEntry } from "../../plan";
import { JWT_PROVIDER_NAME } from "../keycloak/claims";
import type { ResolvedIdentity } from "../resolve";

/** Name of the JWT provider that guards `service`. */
export function jwtProviderName(service: string): string {
  return `${JWT_PROVIDER_NAME}-${service}`;
}

/**
 * The realm as a Consul JWT provider for one destination service: its `Audiences` make Envoy
 * refuse a token not issued for that service (one provider per destination, because Consul
 * 1.16 matches claims by exact string and a token's `aud` may be a list). Keys are fetched from Keycloak's JWKS endpoint
 * asynchronously, so sidecars start even while Keycloak is still booting.
 *
 * `JWKSCluster.DiscoveryType: STRICT_DNS`: otherwise Consul 1.16 makes a static cluster of
 * the host name and Envoy rejects the whole cluster update ("malformed IP address").
 * No `CacheDuration`: Consul 1.16 hands it to Envoy in the wrong unit ("5m" arrives as
 * 300000000000 s) and Envoy rejects the public listener; Envoy's default applies.
 */
export function jwtProvider(identity: ResolvedIdentity, service: string): ConfigEntry {
  return {
    Kind: "jwt-provider",
    Name: jwtProviderName(service),
    Issuer: identity.issuer,
    Audiences: [service],
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
    // Documented but not applied: Consul 1.16 never passes ClockSkewSeconds to Envoy, whose
    // default of 60 s is what holds (see SECURITY.md). Set to that value so the entry says
    // what happens.
    ClockSkewSeconds: 60,
  };
}
