/**
 * Where the realm records a granted scope or role in an access token.
 *
 * Consul 1.16 verifies JWT claims by exact string match (`VerifyClaims`), which cannot test
 * membership in Keycloak's space-separated `scope` string or its `realm_access.roles` array.
 * So each scope's client scope and each role's client scope carry a hardcoded-claim mapper
 * that writes `"true"` at `meshwright.scopes.<scope>` / `meshwright.roles.<role>`. A role's
 * client scope is mapped to the role, and Keycloak applies such a scope only to subjects
 * holding the role.
 */
export const SCOPE_CLAIM_PREFIX = ["meshwright", "scopes"] as const;
/** See {@link SCOPE_CLAIM_PREFIX}. */
export const ROLE_CLAIM_PREFIX = ["meshwright", "roles"] as const;
/** The value the mappers write. */
export const GRANTED = "true";
/** Client scope that proves role `role`. */
export function roleScopeName(role: string): string {
  return `role:${role}`;
}
/**
 * Hidden realm role that grants scope `scope`: the scope's client scope is mapped to it, so
 * Keycloak puts the scope only into tokens of subjects holding it.
 */
export function scopeGrantRole(scope: string): string {
  return `meshwright-scope:${scope}`;
}
/** Name of the public client end users get tokens from (password grant; opt-in, unsafe). */
export const TEST_CLIENT_ID = "mesh-tests";
/** Name of the Consul jwt-provider config entry for the realm. */
export const JWT_PROVIDER_NAME = "keycloak";
