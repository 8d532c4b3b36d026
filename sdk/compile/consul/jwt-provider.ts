import type { ConfigEntry } from "../../plan";
import { JWT_PROVIDER_NAME } from "../keycloak/claims";
import type { ResolvedIdentity } from "../resolve";

/**
 * The realm as a Consul JWT provider. Keys are fetched from Keycloak's JWKS endpoint
 * asynchronously, so sidecars start even while Keycloak is still booting.
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
        CacheDuration: "5m",
        FetchAsynchronously: true,
        RetryPolicy: { NumRetries: 5 },
      },
    },
    Locations: [{ Header: { Name: "Authorization", ValuePrefix: "Bearer ", Forward: true } }],
    ClockSkewSeconds: 30,
  };
}
