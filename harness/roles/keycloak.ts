import type { MeshPlan } from "../../sdk";
import type { MeshContainer } from "../realize/mesh-container";

/** Options of a token request. */
export interface TokenOptions {
  /** Scopes to ask for (Keycloak grants only those the mesh grants the subject). */
  readonly scopes?: readonly string[];
}

/**
 * The mesh's Keycloak, as the test process reaches it. Tokens it mints carry the in-mesh
 * issuer (`plan.keycloak.issuer`), whatever URL they were asked at.
 */
export class KeycloakServer {
  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
    private readonly secret: (name: string) => string,
  ) {}

  /** Base URL from the test process. */
  url(): string {
    return `http://${this.container.getHost()}:${this.container.getMappedPort(this.kc().port)}`;
  }

  /** A client-credentials token of a service's own client. */
  async tokenFor(service: string, options: TokenOptions = {}): Promise<string> {
    const kc = this.kc();
    const client = kc.clients.find((c) => c.service === service && c.secret);
    if (!client?.secret) throw new Error(`service ${service} has no Keycloak client in mesh ${this.plan.mesh.name}`);
    return this.token(`token for ${service}`, {
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: this.secret(client.secret),
      ...scope(options),
    });
  }

  /**
   * An end user's token through the password grant of the `mesh-tests` client, which exists
   * only when the mesh sets `identity.unsafePasswordGrantClient` (tests only; RFC 9700).
   */
  async userToken(username: string, options: TokenOptions = {}): Promise<string> {
    const kc = this.kc();
    const client = kc.clients.find((c) => c.grants.includes("password"));
    if (!client) throw new Error(`mesh ${this.plan.mesh.name} has no password-grant client: set identity.unsafePasswordGrantClient: true on a test mesh`);
    const user = kc.users.find((u) => u.username === username);
    if (!user) throw new Error(`mesh ${this.plan.mesh.name} has no user ${username}; known: ${kc.users.map((u) => u.username).join(", ") || "none"}`);
    return this.token(`token for user ${username}`, {
      grant_type: "password",
      client_id: client.clientId,
      username,
      password: this.secret(user.passwordSecret),
      ...scope(options),
    });
  }

  /** The realm's signing keys (JWKS). */
  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    const res = await fetch(`${this.url()}/realms/${this.kc().realmName}/protocol/openid-connect/certs`);
    if (!res.ok) throw new Error(`JWKS: HTTP ${res.status}`);
    return (await res.json()) as { keys: Record<string, unknown>[] };
  }

  private async token(what: string, form: Record<string, string>): Promise<string> {
    const url = `${this.url()}/realms/${this.kc().realmName}/protocol/openid-connect/token`;
    const res = await fetch(url, { method: "POST", body: new URLSearchParams(form), signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) }).catch((e: unknown) => {
      throw new Error(`${what}: Keycloak does not answer at ${url} (${reason(e)}); is its container (${this.plan.keycloak?.url ?? "keycloak"}) running?`);
    });
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  private kc(): NonNullable<MeshPlan["keycloak"]> {
    const kc = this.plan.keycloak;
    if (!kc) throw new Error(`mesh ${this.plan.mesh.name} has no Keycloak (no identity)`);
    return kc;
  }
}

/** How long a token request may take before it fails: Keycloak answers in milliseconds when up. */
const TOKEN_TIMEOUT_MS = 10_000;

/** The innermost cause of a failed fetch (undici wraps ECONNREFUSED in "fetch failed"). */
function reason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError") return `no answer in ${TOKEN_TIMEOUT_MS / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

function scope(options: TokenOptions): Record<string, string> {
  return options.scopes?.length ? { scope: options.scopes.join(" ") } : {};
}
