/**
 * The mesh's identity provider: one Keycloak realm. Every service becomes a confidential
 * client (client id = service name, `client_credentials` grant) with a random secret; scopes
 * become client scopes granted only where the SDK grants them, roles realm roles. Tokens carry
 * the services they may be presented to as their audience.
 */
export interface IdentityProps {
  /** Realm name. @default the mesh name */
  readonly realm?: string;
  /**
   * Keycloak's public URL (`KC_HOSTNAME`), which is also the token issuer's base. The host
   * must be the Keycloak container's network alias `keycloak`, so sidecars can fetch its keys.
   * @default "http://keycloak:8080"
   */
  readonly url?: string;
  /**
   * Expected token issuer. Only set it to document an expectation: it must equal
   * `<url>/realms/<realm>`, because Keycloak derives `iss` from its hostname.
   * @default `<url>/realms/<realm>`
   */
  readonly issuer?: string;
  /** OAuth scopes the realm defines (client scopes). Names: letters, digits, `:`, `_`, `-`. */
  readonly scopes?: readonly (string | ScopeProps)[];
  /** Realm roles the realm defines. */
  readonly roles?: readonly (string | RoleProps)[];
  /** End users of the realm; their passwords are secrets the realizer generates. */
  readonly users?: readonly UserProps[];
  /** Access token lifetime in seconds, realm-wide. @default 300 */
  readonly accessTokenLifespanSeconds?: number;
  /**
   * Adds a public client `mesh-tests` that issues end-user tokens through the resource owner
   * password grant. The OAuth 2.0 Security Best Current Practice (RFC 9700) says this grant
   * must not be used: it teaches users to type their password into apps. For test suites
   * only; never on a mesh real people log in to. @default false
   */
  readonly unsafePasswordGrantClient?: boolean;
}

/** A scope with a description. */
export interface ScopeProps {
  /** Scope name as it appears in the token's `scope` claim. */
  readonly name: string;
  /** Shown in Keycloak's admin console. */
  readonly description?: string;
}

/** A realm role with a description. */
export interface RoleProps {
  /** Role name. */
  readonly name: string;
  /** Shown in Keycloak's admin console. */
  readonly description?: string;
}

/** A test user. */
export interface UserProps {
  /** Login name (lowercase). */
  readonly username: string;
  /** Realm roles granted to the user. */
  readonly roles?: readonly string[];
  /**
   * Scopes the user may be granted. A scope no grant names is never put into the user's
   * tokens, whichever client asks for it.
   */
  readonly scopes?: readonly string[];
}

/** What a service's own client gets. */
export interface ServiceIdentityProps {
  /**
   * Scopes always present in the service's client-credentials tokens. The client can get no
   * other scope: Keycloak only grants a scope to a client or user the SDK grants it to.
   */
  readonly scopes?: readonly string[];
  /** Realm roles of the service account. */
  readonly roles?: readonly string[];
  /** Lifetime of the client's access tokens, in seconds. @default the realm's */
  readonly tokenLifetimeSeconds?: number;
}
