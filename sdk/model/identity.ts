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
  /**
   * Where Keycloak keeps the realm, its clients, users and keys.
   *
   * - `"postgres"`: a PostgreSQL container (`meshwright/postgres`) next to Keycloak, its data on
   *   a named volume, reached with a generated password. The realm outlives Keycloak's and the
   *   database's containers: a restarted or replaced Keycloak finds it (and does not import it
   *   again), so tokens, keys and users stay valid.
   * - `"embedded"`: Keycloak's own dev-file database inside its container. The fast option for
   *   test suites (no database container, a few seconds less to start); Keycloak documents it as
   *   unfit for production, and the realm is imported anew whenever the container is replaced.
   *
   * Each uses its own Keycloak image (the database kind is fixed when Keycloak is built):
   * `images.keycloak` for postgres, `images.keycloakEmbedded` for embedded.
   * @default "postgres"
   * @see https://www.keycloak.org/server/db
   */
  readonly database?: "postgres" | "embedded";
  /** Access token lifetime in seconds, realm-wide. @default 300 */
  readonly accessTokenLifespanSeconds?: number;
  /**
   * Adds a public client `mesh-tests` that issues end-user tokens through the resource owner
   * password grant. The OAuth 2.0 Security Best Current Practice (RFC 9700) says this grant
   * must not be used: it teaches users to type their password into apps. For test suites
   * only; never on a mesh real people log in to. @default false
   */
  readonly unsafePasswordGrantClient?: boolean;
  /**
   * Browser apps whose users log in on Keycloak's own login page: each is a public client
   * with the authorization code flow and PKCE (S256) only, whose redirect URIs and web origins
   * are derived from the ingress routes to the service that serves the app.
   */
  readonly webApps?: readonly WebAppProps[];
}

/**
 * A single-page (or other browser) app that logs its users in with OpenID Connect: the
 * authorization code flow with PKCE S256 on a public client, as the OAuth 2.0 Security Best
 * Current Practice (RFC 9700) asks of browser apps. keycloak-js does this with
 * `new Keycloak({ url, realm, clientId })` and `init({ pkceMethod: "S256" })`.
 *
 * Keycloak only redirects back to the app's own routes, and by exact match (RFC 9700 §4.1:
 * a wildcard would hand the authorization code to any page under the prefix, such as another
 * service's route on the same host): for every ingress route to {@link service} (host `H`,
 * listener port `P`, path prefix `/x/`) the client gets the redirect URI `http://H:P/x/`,
 * the app's entry page, and the web origin `http://H:P` (the port left out when it is 80), unless {@link origins} names the public origins. Its tokens carry as audience the
 * services whose rules name an ingress gateway as a caller with a token requirement, so the
 * app can call them through the ingress; they prove the user's roles and the scopes granted
 * to the user, like every token of the realm.
 *
 * ```ts
 * identity: { roles: ["shopper"], webApps: [{ clientId: "shop-web", service: "web" }] }
 * ```
 *
 * @see https://www.keycloak.org/securing-apps/javascript-adapter
 */
export interface WebAppProps {
  /** Client id of the public client; lowercase letters, digits and `-`; not a service name. */
  readonly clientId: string;
  /** The service that serves the app; at least one http ingress route with a host must lead to it. */
  readonly service: string | { readonly name: string };
  /**
   * Public origins of the app (`https://shop.example.com`), when the browser reaches the
   * ingress through a load balancer or another port. Each must be the origin of a route host.
   * @default `http://<route host>:<listener port>` of every route to the service
   */
  readonly origins?: readonly string[];
  /**
   * Redirect URIs the app uses, instead of the derived entry pages; each must lie on one of
   * the app's routes (origin and path prefix). A trailing `*` makes one a prefix match, which
   * RFC 9700 advises against: list exact URIs where you can.
   * @default `<origin><path prefix>` (exactly) for every route to the service
   */
  readonly redirectUris?: readonly string[];
  /** Scopes put into the app's tokens for users granted them (`identity.users[].scopes`). @default none */
  readonly scopes?: readonly string[];
  /** Lifetime of the app's access tokens, in seconds (keycloak-js refreshes them). @default the realm's */
  readonly accessTokenLifetimeSeconds?: number;
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
