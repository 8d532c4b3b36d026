import type { MeshPlan } from "../../../sdk";

/** Another team's realm on the mesh's own Keycloak. */
export const SHADOW_REALM = "shadow";
/** Its client that calls itself user-service, and that client's secret (a fixture, not a mesh secret). */
export const SHADOW_CLIENT = { clientId: "user-service", secret: "shadow-realm-client-secret" } as const;

/**
 * The plan with a second realm imported next to the mesh's: its `user-service` client mints
 * tokens that look exactly like the mesh's (audience payment-service, the `payments:write`
 * claim, azp user-service) but are signed by the shadow realm's keys and name its issuer.
 * Keycloak imports every file in its import folder, so the realm exists before any sidecar
 * fetches keys.
 */
export function withShadowRealm(plan: MeshPlan): MeshPlan {
  const realm = {
    realm: SHADOW_REALM,
    enabled: true,
    sslRequired: "none",
    clients: [
      {
        clientId: SHADOW_CLIENT.clientId,
        enabled: true,
        protocol: "openid-connect",
        publicClient: false,
        clientAuthenticatorType: "client-secret",
        secret: SHADOW_CLIENT.secret,
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        protocolMappers: [
          {
            name: "audience payment-service",
            protocol: "openid-connect",
            protocolMapper: "oidc-audience-mapper",
            config: { "included.custom.audience": "payment-service", "access.token.claim": "true", "id.token.claim": "false" },
          },
          {
            name: "payments:write claim",
            protocol: "openid-connect",
            protocolMapper: "oidc-hardcoded-claim-mapper",
            config: {
              "claim.name": [...plan.keycloak!.claims.scopePrefix, "payments:write"].join("."),
              "claim.value": "true",
              "jsonType.label": "String",
              "access.token.claim": "true",
            },
          },
        ],
      },
    ],
  };
  const copy = JSON.parse(JSON.stringify(plan)) as MeshPlan;
  const kc = copy.containers.find((c) => c.role === "keycloak");
  if (!kc) throw new Error(`mesh ${plan.mesh.name} has no Keycloak`);
  kc.files.push({ path: `/opt/keycloak/data/import/${SHADOW_REALM}-realm.json`, content: `${JSON.stringify(realm, null, 2)}\n`, mode: 0o644 });
  return copy;
}

/** The shadow realm's issuer and keys, as the mesh's realm has them. */
export function shadowIssuer(plan: MeshPlan): string {
  return plan.keycloak!.issuer.replace(/\/realms\/[^/]+$/, `/realms/${SHADOW_REALM}`);
}
