import type { ResolvedIdentity, ResolvedMesh } from "../resolve";
import { deriveSecret } from "../secrets";
import { GRANTED, ROLE_CLAIM_PREFIX, roleScopeName, SCOPE_CLAIM_PREFIX, TEST_CLIENT_ID } from "./claims";

/** A confidential client of a service, with its derived secret. */
export interface RealmClient {
  readonly clientId: string;
  readonly secret?: string;
  readonly service?: string;
  readonly public?: boolean;
}

/**
 * The realm import JSON (Keycloak 26 `RealmRepresentation`): roles, one client scope per
 * scope and per role (each with a hardcoded-claim mapper, see `claims.ts`), a confidential
 * client per service (client credentials only), a public `mesh-tests` client for end users
 * (password grant), the service-account users with their roles, and the test users.
 *
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#RealmRepresentation
 */
export function realmImport(mesh: ResolvedMesh, identity: ResolvedIdentity): { realm: Record<string, unknown>; clients: RealmClient[] } {
  const roleScopes = identity.roles.map((r) => roleScopeName(r.name));
  const clients: RealmClient[] = [
    ...mesh.services.map((s) => ({ clientId: s.name, secret: deriveSecret(mesh.name, identity.secretSalt, `client:${s.name}`), service: s.name })),
    { clientId: TEST_CLIENT_ID, public: true },
  ];
  const clientReps = mesh.services.map((s) => ({
    clientId: s.name,
    name: s.name,
    description: `meshwright service ${s.name}`,
    enabled: true,
    protocol: "openid-connect",
    publicClient: false,
    clientAuthenticatorType: "client-secret",
    secret: clients.find((c) => c.clientId === s.name)?.secret,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    fullScopeAllowed: true,
    defaultClientScopes: [...s.scopes, ...roleScopes],
    optionalClientScopes: identity.scopes.map((x) => x.name).filter((x) => !s.scopes.includes(x)),
  }));
  const testClient = {
    clientId: TEST_CLIENT_ID,
    name: "meshwright tests",
    description: "Public client for end-user tokens in tests (password grant)",
    enabled: true,
    protocol: "openid-connect",
    publicClient: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: true,
    serviceAccountsEnabled: false,
    fullScopeAllowed: true,
    defaultClientScopes: roleScopes,
    optionalClientScopes: identity.scopes.map((x) => x.name),
  };
  const serviceAccounts = mesh.services.map((s) => ({
    username: `service-account-${s.name}`,
    enabled: true,
    serviceAccountClientId: s.name,
    realmRoles: [...s.roles],
  }));
  const users = identity.users.map((u) => ({
    username: u.username,
    enabled: true,
    // Keycloak 26's default user profile requires these; without them the password grant
    // fails with "Account is not fully set up".
    email: `${u.username}@${mesh.name}.test`,
    emailVerified: true,
    firstName: u.username,
    lastName: "Test",
    credentials: [{ type: "password", value: u.password, temporary: false }],
    realmRoles: [...u.roles],
  }));
  const realm = {
    realm: identity.realm,
    enabled: true,
    sslRequired: "none",
    accessTokenLifespan: identity.accessTokenLifespanSeconds,
    roles: { realm: identity.roles.map((r) => ({ name: r.name, description: r.description })) },
    clientScopes: [
      ...identity.scopes.map((s) => clientScope(s.name, s.description, [...SCOPE_CLAIM_PREFIX, s.name])),
      ...identity.roles.map((r) => clientScope(roleScopeName(r.name), `Proves realm role ${r.name}`, [...ROLE_CLAIM_PREFIX, r.name])),
    ],
    // A client scope mapped to a role is applied only to subjects that hold the role.
    scopeMappings: identity.roles.map((r) => ({ clientScope: roleScopeName(r.name), roles: [r.name] })),
    clients: [...clientReps, testClient],
    users: [...serviceAccounts, ...users],
  };
  return { realm, clients };
}

function clientScope(name: string, description: string, claimPath: readonly string[]): Record<string, unknown> {
  return {
    name,
    description,
    protocol: "openid-connect",
    attributes: { "include.in.token.scope": "true", "display.on.consent.screen": "false" },
    protocolMappers: [
      {
        name: `${name} claim`,
        protocol: "openid-connect",
        protocolMapper: "oidc-hardcoded-claim-mapper",
        consentRequired: false,
        config: {
          "claim.name": claimPath.map((p) => p.replace(/\./g, "\\.")).join("."),
          "claim.value": GRANTED,
          "jsonType.label": "String",
          "access.token.claim": "true",
          "id.token.claim": "false",
          "userinfo.token.claim": "false",
          "introspection.token.claim": "true",
        },
      },
    ],
  };
}
