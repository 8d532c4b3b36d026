/**
 * The mesh's identity provider: one Keycloak realm. Every service becomes a confidential
 * client (client id = service name, `client_credentials` grant); scopes become client scopes,
 * roles realm roles; users exist for tests.
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
  /** End users for tests (password grant through the `mesh-tests` public client). */
  readonly users?: readonly UserProps[];
  /** Access token lifetime in seconds. @default 300 */
  readonly accessTokenLifespanSeconds?: number;
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
  /** Password; derived deterministically from the mesh name when omitted (and listed in `plan.secrets`). */
  readonly password?: string;
  /** Realm roles granted to the user. */
  readonly roles?: readonly string[];
  /** Scopes the user's tokens carry (granted through the test client). */
  readonly scopes?: readonly string[];
}

/** What a service's own client gets. */
export interface ServiceIdentityProps {
  /** Scopes always present in the service's client-credentials tokens. */
  readonly scopes?: readonly string[];
  /** Realm roles of the service account. */
  readonly roles?: readonly string[];
}
