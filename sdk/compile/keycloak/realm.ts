import { needsJwt } from "../../model/access";
import { secretRef, type PlannedClient } from "../../plan";
import type { ResolvedIdentity, ResolvedMesh } from "../resolve";
import { SECRET } from "../secrets";
import { GRANTED, ROLE_CLAIM_PREFIX, roleScopeName, SCOPE_CLAIM_PREFIX, scopeGrantRole, TEST_CLIENT_ID } from "./claims";

/**
 * The realm import JSON (Keycloak 26 `RealmRepresentation`) and its clients.
 *
 * - Every service is a confidential client (client credentials only) with a random secret
 *   (a reference; the realizer puts in the value). Its tokens carry as audience each service
 *   whose rules name it as a caller with a token requirement (an audience mapper per
 *   destination), so a token issued for one service is refused by another.
 * - Scopes are client scopes with a hardcoded-claim mapper (see `claims.ts`). Each is mapped to
 *   a hidden realm role (`scopeGrantRole`), and Keycloak applies a client scope that has role
 *   scope mappings only to subjects holding one of those roles: a scope reaches exactly the
 *   service accounts and users the SDK grants it to, whichever client asks for it. Service
 *   clients have no optional scopes at all.
 * - Roles are realm roles; each has a client scope proving it, applied the same way.
 * - The public `mesh-tests` client (password grant) exists only with
 *   `identity.unsafePasswordGrantClient`; its tokens carry as audience the services whose
 *   rules name an ingress gateway as a caller with a token requirement.
 * - Each web app is a public client with the authorization code flow and PKCE S256 only,
 *   redirect URIs and web origins from its ingress routes, and the same audiences.
 *
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#RealmRepresentation
 */
export function realmImport(mesh: ResolvedMesh, identity: ResolvedIdentity): { realm: Record<string, unknown>; clients: PlannedClient[] } {
  const roleScopes = identity.roles.map((r) => roleScopeName(r.name));
  const scopeNames = identity.scopes.map((s) => s.name);
  const audiences = audiencesByCaller(mesh);
  const audiencesOf = (caller: string) => audiences.get(caller) ?? [];

  // End users' tokens (the test client's and web apps') are for services an ingress calls.
  const endUser = new Set(mesh.ingresses.flatMap((g) => audiencesOf(g.name)));
  const endUserAudiences = mesh.services.filter((d) => endUser.has(d.name)).map((d) => audienceMapper(d.name));
  const clients: PlannedClient[] = [
    ...mesh.services.map((s) => ({ clientId: s.name, secret: SECRET.clientSecret(s.name), service: s.name, grants: ["client_credentials" as const] })),
    ...(identity.unsafePasswordGrantClient ? [{ clientId: TEST_CLIENT_ID, public: true, grants: ["password" as const] }] : []),
    ...identity.webApps.map((w) => ({
      clientId: w.clientId,
      public: true,
      grants: ["authorization_code" as const],
      web: { service: w.service, redirectUris: w.redirectUris, origins: w.origins },
    })),
  ];
  const clientReps = mesh.services.map((s) => ({
    clientId: s.name,
    name: s.name,
    description: `meshwright service ${s.name}`,
    enabled: true,
    protocol: "openid-connect",
    publicClient: false,
    clientAuthenticatorType: "client-secret",
    secret: secretRef(SECRET.clientSecret(s.name)),
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    fullScopeAllowed: true,
    ...(s.tokenLifetimeSeconds !== undefined ? { attributes: { "access.token.lifespan": String(s.tokenLifetimeSeconds) } } : {}),
    protocolMappers: audiencesOf(s.name).map(audienceMapper),
    defaultClientScopes: [...s.scopes, ...roleScopes],
    optionalClientScopes: [],
  }));
  const testClient = {
    clientId: TEST_CLIENT_ID,
    name: "meshwright tests (unsafe: password grant)",
    description: "Public client issuing end-user tokens through the password grant, for test suites only (RFC 9700 forbids this grant)",
    enabled: true,
    protocol: "openid-connect",
    publicClient: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: true,
    serviceAccountsEnabled: false,
    fullScopeAllowed: true,
    protocolMappers: endUserAudiences,
    defaultClientScopes: roleScopes,
    optionalClientScopes: scopeNames,
  };
  const webClients = identity.webApps.map((w) => ({
    clientId: w.clientId,
    name: `${w.clientId} (web app)`,
    description: `Browser app served by ${w.service}: authorization code flow with PKCE S256 only`,
    enabled: true,
    protocol: "openid-connect",
    publicClient: true,
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    frontchannelLogout: true,
    fullScopeAllowed: true,
    rootUrl: w.origins[0],
    redirectUris: w.redirectUris,
    webOrigins: w.origins,
    attributes: {
      "pkce.code.challenge.method": "S256",
      // "+": the redirect URIs are also the only URIs logout may return to.
      "post.logout.redirect.uris": "+",
      ...(w.accessTokenLifetimeSeconds !== undefined ? { "access.token.lifespan": String(w.accessTokenLifetimeSeconds) } : {}),
    },
    protocolMappers: [subjectMapper(), usernameMapper(), ...endUserAudiences],
    defaultClientScopes: [...roleScopes, ...w.scopes],
    optionalClientScopes: [],
  }));
  const grantRoles = (scopes: readonly string[]) => scopes.map(scopeGrantRole);
  const serviceAccounts = mesh.services.map((s) => ({
    username: `service-account-${s.name}`,
    enabled: true,
    serviceAccountClientId: s.name,
    realmRoles: [...s.roles, ...grantRoles(s.scopes)],
  }));
  const users = identity.users.map((u) => ({
    username: u.username,
    enabled: true,
    // Keycloak 26's default user profile requires these; without them a login fails with
    // "Account is not fully set up".
    email: `${u.username}@${mesh.name}.test`,
    emailVerified: true,
    firstName: u.username,
    lastName: "Test",
    credentials: [{ type: "password", value: secretRef(SECRET.userPassword(u.username)), temporary: false }],
    realmRoles: [...u.roles, ...grantRoles(u.scopes)],
  }));
  const realm = {
    realm: identity.realm,
    enabled: true,
    sslRequired: "none",
    accessTokenLifespan: identity.accessTokenLifespanSeconds,
    roles: {
      realm: [
        ...identity.roles.map((r) => ({ name: r.name, description: r.description })),
        ...scopeNames.map((s) => ({ name: scopeGrantRole(s), description: `Holders may be granted scope ${s} (meshwright)` })),
      ],
    },
    clientScopes: [
      ...identity.scopes.map((s) => clientScope(s.name, s.description, [...SCOPE_CLAIM_PREFIX, s.name])),
      ...identity.roles.map((r) => clientScope(roleScopeName(r.name), `Proves realm role ${r.name}`, [...ROLE_CLAIM_PREFIX, r.name])),
    ],
    // A client scope mapped to roles is applied only to subjects that hold one of them.
    scopeMappings: [
      ...identity.scopes.map((s) => ({ clientScope: s.name, roles: [scopeGrantRole(s.name)] })),
      ...identity.roles.map((r) => ({ clientScope: roleScopeName(r.name), roles: [r.name] })),
    ],
    clients: [...clientReps, ...(identity.unsafePasswordGrantClient ? [testClient] : []), ...webClients],
    users: [...serviceAccounts, ...users],
  };
  return { realm, clients };
}

/**
 * For each caller, the services (in mesh order, each once) whose rules name it as a caller
 * with a token requirement: the audiences of its tokens.
 */
function audiencesByCaller(mesh: ResolvedMesh): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of mesh.services) {
    for (const caller of new Set(d.access.filter((a) => needsJwt(a.rule)).map((a) => a.caller))) {
      const list = out.get(caller);
      if (list) list.push(d.name);
      else out.set(caller, [d.name]);
    }
  }
  return out;
}

/**
 * `sub` in the web app's tokens. Keycloak 26 adds it through its default `basic` client scope,
 * which a realm import that lists its own client scopes does not get.
 */
function subjectMapper(): Record<string, unknown> {
  return {
    name: "subject",
    protocol: "openid-connect",
    protocolMapper: "oidc-sub-mapper",
    consentRequired: false,
    config: { "access.token.claim": "true", "introspection.token.claim": "true" },
  };
}

/** `preferred_username` in the web app's tokens, for the app to greet its user by name. */
function usernameMapper(): Record<string, unknown> {
  return {
    name: "username",
    protocol: "openid-connect",
    protocolMapper: "oidc-usermodel-attribute-mapper",
    consentRequired: false,
    config: {
      "user.attribute": "username",
      "claim.name": "preferred_username",
      "jsonType.label": "String",
      "access.token.claim": "true",
      "id.token.claim": "true",
      "userinfo.token.claim": "true",
      "introspection.token.claim": "true",
    },
  };
}

function audienceMapper(service: string): Record<string, unknown> {
  return {
    name: `audience ${service}`,
    protocol: "openid-connect",
    protocolMapper: "oidc-audience-mapper",
    consentRequired: false,
    config: { "included.custom.audience": service, "access.token.claim": "true", "id.token.claim": "false", "introspection.token.claim": "true" },
  };
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
