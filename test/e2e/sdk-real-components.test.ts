/**
 * The SDK's output against the real components it is written for, on the shop example's
 * control plane alone (startMesh with `only`: the Consul server and Keycloak, with ACLs,
 * TLS and this run's secrets): every config entry is accepted by Consul 1.16 and read back
 * as the plan says (`entryDrift`, the comparison `waitConverged` and `pulumi up` use: a field
 * Consul drops would be one the compiler emits for nothing); every agent config, its secret
 * references filled, passes `consul validate`; Keycloak imports the compiled realm, issues
 * each client's token, and those tokens carry exactly the claims the compiled intentions and
 * JWT providers verify — scope claims, the audience (`aud`) of each destination and the
 * caller's own client id (`azp`) — and nobody else's token carries them; the password grant
 * is off, since the shop does not opt in to it. Last, the config entries of the traffic mesh
 * (test/e2e/traffic-mesh.ts: every routing, resolver and splitter setting) are written to the
 * same Consul and read back the same way, but for those the shop's plan also has.
 */
import shop from "../../examples/shop";
import { consulRequest } from "../../harness/realize/consul-acl";
import { startMesh, type StartedMesh } from "../../harness/realize";
import { compile, consulForm, entryDrift, Mesh, resolveSecretRefs, secretRefsIn, type ConfigEntry } from "../../sdk";
import { trafficMesh } from "./traffic-mesh";

const plan = compile(shop);
const identity = plan.keycloak!;

/**
 * The traffic mesh's entries in plan order, less those the shop's plan also has (`proxy-defaults`,
 * `mesh` and the `*` intentions): writing those would change the shop's control plane under
 * the other tests. Its services' names are its own.
 */
const shopEntries = new Set(plan.consul.configEntries.map((e) => `${e.Kind}/${e.Name}`));
const trafficEntries = compile(trafficMesh()).consul.configEntries.filter((e) => !shopEntries.has(`${e.Kind}/${e.Name}`));

/**
 * Resolver forms the traffic mesh does not use: ordered failover `Targets` over two backup
 * subsets and another service's subset, the synthetic `not-<backups>` default subset, and
 * `OnlyPassing` on declared subsets.
 */
function failoverForms(): Mesh {
  const mesh = new Mesh("failover-forms", { telemetry: { metrics: false } });
  const dr = mesh.service("ff-dr", { instances: [{ subset: "warm" }, { subset: "cold" }], onlyPassing: true });
  mesh.service("ff-pay", {
    instances: [{ subset: "blue" }, { subset: "green" }, { subset: "b" }, { subset: "c" }],
    failover: { targets: [{ subset: "b" }, { subset: "c" }, { service: dr, subset: "warm" }] },
  });
  return mesh;
}
const failoverEntries = compile(failoverForms()).consul.configEntries.filter((e) => e.Name.startsWith("ff-"));

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

const claimAt = (token: Record<string, unknown>, path: readonly string[]) =>
  path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], token);

type Jwt = { Providers: { Name: string; VerifyClaims?: { Path: string[]; Value: string }[] }[] };
type Source = { Name: string; JWT?: Jwt; Permissions?: { JWT?: Jwt }[] };

/** Every token requirement of the compiled intentions: who presents it, to whom, checked by which provider for which claims. */
function tokenChecks(): { destination: string; source: string; provider: string; claims: { path: string[]; value: string }[] }[] {
  return plan.consul.configEntries
    .filter((e) => e.Kind === "service-intentions")
    .flatMap((e) =>
      ((e.Sources ?? []) as Source[]).flatMap((s) =>
        [s.JWT, ...(s.Permissions ?? []).map((p) => p.JWT)].flatMap((j) =>
          (j?.Providers ?? []).map((p) => ({
            destination: e.Name,
            source: s.Name,
            provider: p.Name,
            claims: (p.VerifyClaims ?? []).map((c) => ({ path: c.Path, value: c.Value })),
          })),
        ),
      ),
    );
}

describe("the SDK's compiled shop on real Consul 1.16 and Keycloak 26", () => {
  let running: StartedMesh | undefined;
  const m = () => running!;
  const tokenOf = async (clientId: string) => claims(await m().tokenFor(identity.clients.find((c) => c.clientId === clientId)!.service!));

  beforeAll(async () => {
    running = await startMesh(plan, { only: ["consul", "keycloak"], log: (l) => process.stdout.write(`${l}\n`) });
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  /** Write `entry` with the management token; Consul must accept it and read it back as planned. */
  const writeAndReadBack = async (entry: ConfigEntry) => {
    const put = await consulRequest(m().consul.api(), "PUT", "/v1/config", consulForm(entry));
    expect(`${put.status} ${put.text.trim()}`).toBe("200 true");
    expect(entryDrift(entry, await m().consul.configEntry(entry.Kind, entry.Name))).toEqual([]);
  };

  describe("config entries, written in plan order with the management token", () => {
    it.each(plan.consul.configEntries.map((e) => [`${e.Kind}/${e.Name}`, e] as const))(
      "%s is accepted and read back as planned",
      async (_, entry: ConfigEntry) => writeAndReadBack(entry),
    );
  });

  it.each(plan.containers.filter((c) => c.role === "node" || c.role === "consul-server").map((c) => [c.name, c] as const))(
    "the agent config of %s, its secrets filled in, passes consul validate",
    async (name, container) => {
      const file = container.files.find((f) => f.path.startsWith("/consul/config/") && f.path.endsWith(".json"))!;
      const refs = secretRefsIn(file.content);
      expect(refs.length).toBeGreaterThan(0); // the gossip key and tokens are references in the plan
      const content = resolveSecretRefs(file.content, Object.fromEntries(refs.map((r) => [r, m().secret(r)])));
      // The CA, certificate and key files it names exist in the server container at the same paths.
      const target = `/tmp/validate-${name}.json`;
      const result = await m()
        .container("consul")
        .exec([
          "sh",
          "-c",
          'printf %s "$1" | base64 -d > "$2" && consul validate "$2"; status=$?; rm -f "$2"; exit $status',
          "sh",
          Buffer.from(content).toString("base64"),
          target,
        ]);
      expect(`${result.exitCode} ${result.output.trim()}`).toMatch(/^0 /);
    },
  );

  it("imports the realm: its issuer is the one every JWT provider trusts, each provider for its own destination", async () => {
    const discovery = (await (await fetch(`${m().keycloak.url()}/realms/${identity.realmName}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(identity.issuer);
    const providers = plan.consul.configEntries.filter((e) => e.Kind === "jwt-provider");
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) expect({ name: p.Name, issuer: p.Issuer }).toEqual({ name: p.Name, issuer: identity.issuer });
  });

  it.each(identity.clients.filter((c) => c.secret).map((c) => [c.clientId, c] as const))(
    "issues %s a client_credentials token naming it as azp",
    async (clientId) => {
      expect(await tokenOf(clientId)).toMatchObject({ iss: identity.issuer, azp: clientId, typ: "Bearer" });
    },
  );

  it("gives each caller a token carrying exactly the claims and audience the intentions verify for it, and nobody else", async () => {
    const checks = tokenChecks();
    expect(checks.map((c) => `${c.source} → ${c.destination}`)).toContain("user-service → payment-service");
    for (const check of checks) {
      const provider = plan.consul.configEntries.find((e) => e.Kind === "jwt-provider" && e.Name === check.provider)!;
      const audiences = (provider.Audiences ?? []) as string[];
      expect(audiences).toEqual([check.destination]);
      const others = identity.clients.filter((c) => c.secret && c.clientId !== check.source);
      const token = await tokenOf(check.source);
      const seen = { aud: [token.aud].flat(), claims: check.claims.map((c) => claimAt(token, c.path)) };
      expect({ check, seen }).toEqual({ check, seen: { aud: expect.arrayContaining(audiences), claims: check.claims.map((c) => c.value) } });
      // Another service's token fails the check: its azp is its own, and it carries the scope
      // claims and the audience only where the SDK grants them.
      const realmClients = (identity.realm.clients ?? []) as { clientId: string; defaultClientScopes: string[] }[];
      for (const other of others) {
        const t = await tokenOf(other.clientId);
        const carries = {
          azp: t.azp === check.source,
          aud: audiences.every((a) => [t.aud].flat().includes(a)),
          scopes: check.claims.filter((c) => c.path[0] !== "azp").every((c) => claimAt(t, c.path) === c.value),
        };
        const granted = {
          azp: false,
          aud: tokenChecks().some((c) => c.source === other.clientId && c.destination === check.destination),
          scopes: check.claims
            .filter((c) => c.path[0] !== "azp")
            .every((c) => realmClients.find((r) => r.clientId === other.clientId)!.defaultClientScopes.includes(c.path[c.path.length - 1]!)),
        };
        expect({ presentedBy: other.clientId, to: check.destination, carries }).toEqual({
          presentedBy: other.clientId,
          to: check.destination,
          carries: granted,
        });
      }
    }
  });

  it("has no password grant: the shop does not opt in to the test client, and service clients refuse it", async () => {
    expect(identity.clients.filter((c) => c.grants.includes("password"))).toEqual([]);
    const tokenUrl = `${m().keycloak.url()}/realms/${identity.realmName}/protocol/openid-connect/token`;
    for (const user of identity.users) {
      const password = m().secret(user.passwordSecret);
      const asTestClient = await fetch(tokenUrl, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "password", client_id: "mesh-tests", username: user.username, password }),
      });
      expect(asTestClient.status).toBeGreaterThanOrEqual(400);
      const service = identity.clients.find((c) => c.secret)!;
      const asService = await fetch(tokenUrl, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "password",
          client_id: service.clientId,
          client_secret: m().secret(service.secret!),
          username: user.username,
          password,
        }),
      });
      expect({ user: user.username, client: service.clientId, status: asService.status }).toEqual({
        user: user.username,
        client: service.clientId,
        status: expect.any(Number),
      });
      expect(asService.status).toBeGreaterThanOrEqual(400);
    }
  });

  // Last, so that nothing the shop's checks read has changed under them.
  describe("the traffic mesh's config entries (and more failover forms), written in plan order after the shop's", () => {
    it("leaves out only the entries the shop's plan also has", () => {
      const all = compile(trafficMesh()).consul.configEntries.map((e) => `${e.Kind}/${e.Name}`);
      expect(all.filter((k) => shopEntries.has(k))).toEqual(["proxy-defaults/global", "mesh/mesh", "service-intentions/*"]);
      expect(failoverEntries.find((e) => e.Kind === "service-resolver" && e.Name === "ff-pay")).toMatchObject({ DefaultSubset: "not-b-c" });
      expect(trafficEntries.map((e) => e.Kind)).toEqual(expect.arrayContaining(["service-router", "service-resolver", "service-splitter", "ingress-gateway"]));
    });

    it.each([...trafficEntries, ...failoverEntries].map((e) => [`${e.Kind}/${e.Name}`, e] as const))(
      "%s is accepted and read back as planned",
      async (_, entry: ConfigEntry) => writeAndReadBack(entry),
    );
  });
});
