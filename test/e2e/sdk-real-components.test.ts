/**
 * The SDK's output against the real components it is written for: every config entry the
 * shop example compiles to is accepted by Consul 1.16 and read back unchanged (a field Consul
 * drops would be one the compiler emits for nothing); every agent config passes
 * `consul validate`; Keycloak imports the compiled realm, issues each client's token, and
 * those tokens carry exactly the claims the compiled intentions verify.
 */
import { Network, type StartedNetwork } from "testcontainers";
import shop from "../../examples/shop";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { ConsulServerContainer, type StartedConsulServerContainer } from "../../harness/modules/consul-server-container";
import { requireImages } from "../../harness/modules/images";
import { KeycloakContainer, type StartedKeycloakContainer } from "../../harness/modules/keycloak-container";
import { startAll } from "../../harness/modules/start-all";
import { compile, type ConfigEntry } from "../../sdk";

const plan = compile(shop);
const identity = plan.keycloak!;

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration string ("1m30s") in nanoseconds, or undefined if it is not one. */
function durationNs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_NS[unit!]!, 0);
}

/**
 * Paths (a.b[2].c) where `sent` has a value that `got` lacks or differs on. Consul answers
 * duration fields in nanoseconds: "5s" read back as 5000000000 is the same value. An Envoy
 * extension's free-form `Arguments` are stored weakly decoded (for HCL's sake): a list of one
 * element reads back as that element, which the extension decodes back into a list.
 */
function differences(sent: unknown, got: unknown, path = ""): string[] {
  if (typeof sent === "string" && typeof got === "number" && durationNs(sent) === got) return [];
  if (Array.isArray(sent) && sent.length === 1 && !Array.isArray(got) && /\.Arguments\./.test(path)) return differences(sent[0], got, `${path}[0]`);
  if (Array.isArray(sent)) {
    if (!Array.isArray(got)) return [`${path}: sent an array, got ${JSON.stringify(got)}`];
    return sent.flatMap((v, i) => differences(v, got[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === "object") {
    if (got === null || typeof got !== "object") return [`${path}: sent an object, got ${JSON.stringify(got)}`];
    return Object.entries(sent).flatMap(([k, v]) => differences(v, (got as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return sent === got ? [] : [`${path}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)}`];
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Every `VerifyClaims` of the compiled intentions, with the source service it applies to. */
function verifiedClaims(): { source: string; path: string[]; value: string }[] {
  type Jwt = { Providers: { VerifyClaims?: { Path: string[]; Value: string }[] }[] };
  type Source = { Name: string; JWT?: Jwt; Permissions?: { JWT?: Jwt }[] };
  return plan.consul.configEntries
    .filter((e) => e.Kind === "service-intentions")
    .flatMap((e) => ((e.Sources ?? []) as Source[]).flatMap((s) => [s.JWT, ...(s.Permissions ?? []).map((p) => p.JWT)].flatMap((j) => (j?.Providers ?? []).flatMap((p) => (p.VerifyClaims ?? []).map((c) => ({ source: s.Name, path: c.Path, value: c.Value }))))));
}

describe("the SDK's compiled shop on real Consul 1.16 and Keycloak 26", () => {
  let network: StartedNetwork;
  let consul: StartedConsulServerContainer;
  let keycloak: StartedKeycloakContainer;

  beforeAll(async () => {
    await requireImages([IMAGE_TAGS.consul, IMAGE_TAGS.keycloak]);
    network = await new Network().start();
    [consul, keycloak] = await startAll(
      new ConsulServerContainer(plan.images.consul).withConfig(plan.consul.serverConfig).withNetwork(network).start(),
      new KeycloakContainer(plan.images.keycloak).withRealm(identity.realm as { realm: string }).withHostnameUrl(identity.url).withNetwork(network).start(),
    );
  });

  afterAll(async () => {
    await Promise.all([consul?.stop(), keycloak?.stop()].map((p) => p?.catch(() => undefined)));
    await network?.stop().catch(() => undefined);
  });

  describe("config entries, written in plan order", () => {
    it.each(plan.consul.configEntries.map((e) => [`${e.Kind}/${e.Name}`, e] as const))("%s is accepted and read back unchanged", async (_, entry: ConfigEntry) => {
      const put = await fetch(`${consul.httpUrl()}/v1/config`, { method: "PUT", body: JSON.stringify(entry) });
      expect(`${put.status} ${await put.text()}`).toBe("200 true");
      const stored = await consul.api<Record<string, unknown>>(`/v1/config/${entry.Kind}/${encodeURIComponent(entry.Name)}`);
      expect(differences(entry, stored)).toEqual([]);
    });
  });

  it.each(plan.containers.filter((c) => c.role === "node").map((c) => [c.name, c] as const))("the agent config of %s passes consul validate", async (name, container) => {
    const file = container.files.find((f) => f.path.endsWith(".json"))!;
    const target = `/tmp/validate/${name}.json`;
    await consul.copyContentToContainer([{ content: file.content, target }]);
    const result = await consul.exec(["consul", "validate", target]);
    expect(`${result.exitCode} ${result.output.trim()}`).toMatch(/^0 /);
  });

  it("imports the realm: its issuer is the one the jwt-provider trusts", async () => {
    const discovery = (await (await fetch(`${keycloak.url()}/realms/${identity.realmName}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(identity.issuer);
    const provider = plan.consul.configEntries.find((e) => e.Kind === "jwt-provider")!;
    expect(provider.Issuer).toBe(identity.issuer);
  });

  it.each(identity.clients.filter((c) => c.secret).map((c) => [c.clientId, c] as const))("issues %s a client_credentials token", async (_, client) => {
    const token = await keycloak.clientCredentialsToken(identity.realmName, client.clientId, client.secret!);
    expect(claims(token.access_token)).toMatchObject({ iss: identity.issuer, azp: client.clientId });
  });

  it("gives each caller a token carrying exactly the claims the intentions verify for it", async () => {
    const checks = verifiedClaims();
    expect(checks.length).toBeGreaterThan(0); // the shop requires payments:write of user-service
    for (const check of checks) {
      const client = identity.clients.find((c) => c.service === check.source)!;
      const token = await keycloak.clientCredentialsToken(identity.realmName, client.clientId, client.secret!);
      const value = check.path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], claims(token.access_token));
      expect({ source: check.source, path: check.path.join("."), value }).toEqual({ source: check.source, path: check.path.join("."), value: check.value });
    }
  });

  it("lets end users sign in with the public test client", async () => {
    const publicClient = identity.clients.find((c) => c.public)!;
    for (const user of identity.users) {
      const form = new URLSearchParams({ grant_type: "password", client_id: publicClient.clientId, username: user.username, password: user.password });
      const res = await fetch(`${keycloak.url()}/realms/${identity.realmName}/protocol/openid-connect/token`, { method: "POST", body: form });
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      expect(claims(access_token)).toMatchObject({ iss: identity.issuer, azp: publicClient.clientId, typ: "Bearer" });
    }
  });
});
