import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { shop } from "../../../examples/shop";
import { compile, Mesh, MeshInvariantError, MeshValidationError } from "../../../sdk";
import { secretRef, type MeshPlan } from "../../../sdk/plan";
import { BuildContextError, InsecurePlanError, MeshStack, SecretsNotSuppliedError } from "../../../infra/mesh-stack";
import { recordResources, settle, TYPES, valueOf, type Registered } from "./mocks";
import { appContext, tinyPlan } from "./plans";

// Registering a dynamic resource serializes its provider: seconds on a busy machine.
jest.setTimeout(60_000);

// Unit tests ask no Docker engine anything.
const NO_ENGINE = { checkImages: false, engineHasStartInterval: true } as const;

async function realize(plan: MeshPlan, name = "tiny", extra: Partial<ConstructorParameters<typeof MeshStack>[1]> = {}) {
  const registered = recordResources();
  const stack = new MeshStack(name, { plan, ...NO_ENGINE, ...extra } as ConstructorParameters<typeof MeshStack>[1]);
  await valueOf(stack.serviceAddresses);
  await valueOf(stack.secretValues);
  await settle(300);
  const of = (type: string) => registered.filter((r) => r.type === type);
  const named = (n: string) => registered.find((r) => r.name === n)!;
  return { registered, stack, of, named };
}

describe("MeshStack realizing a small v2 plan", () => {
  const context = appContext({ "main.go": "package main\n" });
  const plan = tinyPlan(context);
  let r: Awaited<ReturnType<typeof realize>>;
  beforeAll(async () => {
    r = await realize(plan);
  });
  const order = (name: string) => r.registered.findIndex((x) => x.name === name);

  it("registers the network, one container per plan container, the secrets, the app image and one Consul object per policy, token and entry", () => {
    const counts = r.registered.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.type]: (acc[x.type] ?? 0) + 1 }), {});
    expect(counts).toEqual({
      "meshwright:infra:MeshStack": 1,
      [TYPES.network]: 1,
      [TYPES.secrets]: 1,
      [TYPES.image]: 1,
      [TYPES.container]: plan.containers.length,
      [TYPES.configEntry]: 3,
      [TYPES.policy]: 1,
      [TYPES.token]: 2,
    });
  });

  it("names Consul objects by what they are, so the URN identifies the entry", () => {
    expect([...r.of(TYPES.configEntry), ...r.of(TYPES.policy), ...r.of(TYPES.token)].map((x) => [x.name, x.inputs.subject]).sort()).toEqual([
      ["tiny-acl-policy/api-read", "acl-policy/api-read"],
      ["tiny-acl-token/consul/token/node-api-1", "acl-token/consul/token/node-api-1"],
      ["tiny-acl-token/consul/token/service-api-1", "acl-token/consul/token/service-api-1"],
      ["tiny-proxy-defaults/global", "proxy-defaults/global"],
      ["tiny-service-defaults/api", "service-defaults/api"],
      ["tiny-service-intentions/api", "service-intentions/api"],
    ]);
  });

  it("writes Consul objects after the server is up, tokens after policies, entries in the plan's order", () => {
    const server = order("tiny-consul");
    for (const x of [...r.of(TYPES.configEntry), ...r.of(TYPES.policy), ...r.of(TYPES.token)]) expect(order(x.name)).toBeGreaterThan(server);
    for (const t of r.of(TYPES.token)) expect(order(t.name)).toBeGreaterThan(order("tiny-acl-policy/api-read"));
    expect(order("tiny-proxy-defaults/global")).toBeLessThan(order("tiny-service-defaults/api"));
    expect(order("tiny-service-defaults/api")).toBeLessThan(order("tiny-service-intentions/api"));
  });

  it("starts the node after its agent token exists, the sidecar after its token and every config entry", () => {
    expect(order("tiny-api-1")).toBeGreaterThan(order("tiny-acl-token/consul/token/node-api-1"));
    expect(order("tiny-api-1-sidecar")).toBeGreaterThan(order("tiny-acl-token/consul/token/service-api-1"));
    expect(order("tiny-api-1-sidecar")).toBeGreaterThan(order("tiny-service-intentions/api"));
  });

  it("reaches Consul on the published port with the management token (a secret) and the server's id", async () => {
    const entry = r.named("tiny-service-intentions/api").inputs;
    const values = await valueOf(r.stack.secretValues);
    // A secret input reaches the engine wrapped as one: { <secret signature>, value }.
    const secret = (value: unknown) => expect.objectContaining({ value });
    expect(entry).toMatchObject({
      address: "http://127.0.0.1:8500",
      serverId: "tiny-consul-id",
      token: secret(values["consul/management-token"]),
      kind: "service-intentions",
      name: "api",
    });
    expect(entry.entry).toEqual(plan.consul.configEntries[2]);
    const token = r.named("tiny-acl-token/consul/token/service-api-1").inputs;
    expect(token).toMatchObject({
      accessorId: "0b7e9b0e-3e7c-4a52-8d5e-000000000002",
      secretId: secret(values["consul/token/service-api-1"]),
      serviceIdentities: [{ serviceName: "api" }],
      nodeIdentities: [],
      policies: ["api-read"],
    });
    expect(await pulumi.isSecret(r.stack.consulObjects["acl-token/consul/token/service-api-1"]!.subject)).toBe(false);
  });

  it("generates every secret but the supplied ones in one MeshSecrets resource, kept as a secret", async () => {
    expect((r.of(TYPES.secrets)[0]!.inputs.specs as { name: string }[]).map((s) => s.name)).toEqual(plan.secrets.map((s) => s.name));
    expect(await pulumi.isSecret(r.stack.secretValues)).toBe(true);
    const values = await valueOf(r.stack.secretValues);
    expect(Object.keys(values).sort()).toEqual(
      [
        "consul/ca#cert",
        "consul/ca#key",
        "consul/gossip-key",
        "consul/management-token",
        "consul/server-tls#cert",
        "consul/server-tls#key",
        "consul/token/node-api-1",
        "consul/token/service-api-1",
        "keycloak/admin-password",
        "keycloak/user/alice",
      ].sort(),
    );
  });

  it("resolves references in env values and files; those become secrets, the rest stay plain", async () => {
    const values = await valueOf(r.stack.secretValues);
    const keycloak = r.stack.containers.keycloak!;
    expect(await pulumi.isSecret(keycloak.envs)).toBe(true);
    expect(await valueOf(keycloak.envs)).toEqual(["KC_BOOTSTRAP_ADMIN_USERNAME=admin", `KC_BOOTSTRAP_ADMIN_PASSWORD=${values["keycloak/admin-password"]}`]);
    const uploads = (await valueOf(r.stack.containers.consul!.uploads))!;
    expect(uploads.map((u) => [u.file, u.permissions])).toEqual([
      ["/consul/config/server.json", "0644"],
      ["/consul/config/tls/server.pem", "0644"],
      ["/consul/config/tls/server.key", "0600"],
      ["/consul/config/tls/ca.pem", "0644"],
    ]);
    expect(JSON.parse(uploads[0]!.content!)).toEqual({ server: true, encrypt: values["consul/gossip-key"] });
    expect(uploads[2]!.content).toBe(values["consul/server-tls#key"]);
    expect(await pulumi.isSecret(r.stack.containers.consul!.uploads)).toBe(true);
    // No reference, no secret: an app's env stays readable in the state.
    expect(await pulumi.isSecret(r.stack.containers["api-1-app"]!.envs)).toBe(false);
    expect(JSON.stringify(await valueOf(r.stack.containers["api-1-app"]!.envs))).not.toContain("{{secret:");
  });

  it("outputs Keycloak's admin and the test users' passwords as secrets", async () => {
    const values = await valueOf(r.stack.secretValues);
    expect(await pulumi.isSecret(r.stack.keycloakAdmin)).toBe(true);
    expect(await valueOf(r.stack.keycloakAdmin)).toEqual({ username: "admin", password: values["keycloak/admin-password"] });
    expect(await pulumi.isSecret(r.stack.userPasswords)).toBe(true);
    expect(await valueOf(r.stack.userPasswords)).toEqual({ alice: values["keycloak/user/alice"] });
  });

  it("builds the app image from its context, named by content, and runs the app on it", () => {
    const image = r.of(TYPES.image)[0]!;
    expect(image.name).toBe("tiny-image-api");
    expect(image.inputs).toMatchObject({
      name: expect.stringMatching(/^tiny\/api:[0-9a-f]{16}$/),
      keepLocally: true,
      build: { context, dockerfile: join(context, "Dockerfile"), buildArgs: { VERSION: "1" }, useLegacyBuilder: true },
    });
    expect(r.named("tiny-api-1-app").inputs.image).toBe(image.inputs.name);
    expect(order("tiny-api-1-app")).toBeGreaterThan(order("tiny-image-api"));
  });

  it("applies the user, limits and hardening, spelt as Docker reads them back", () => {
    expect(r.named("tiny-api-1-app").inputs).toMatchObject({
      user: "1000:1000",
      cpus: "0.5",
      memory: 128,
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges"],
    });
    expect(r.named("tiny-api-1-sidecar").inputs.user).toBeUndefined();
  });

  it("labels a probe with the app whose health it checks, and its id, so a replaced app replaces its probe", () => {
    expect(r.named("tiny-api-1-probe").inputs.labels).toEqual(
      expect.arrayContaining([
        { label: "io.meshwright.health-of", value: "tiny-api-1-app" },
        { label: "io.meshwright.health-of-id", value: "tiny-api-1-app-id" },
      ]),
    );
  });
});

describe("MeshStack's secrets", () => {
  const context = appContext();
  const withSupplied = (): MeshPlan => {
    const plan = tinyPlan(context);
    return {
      ...plan,
      secrets: [
        ...plan.secrets,
        { name: "app/api-key", purpose: "the payment provider's API key", generate: { kind: "supplied" } },
        { name: "app/db-password", purpose: "the orders database's password", generate: { kind: "supplied" } },
      ],
      containers: plan.containers.map((c) =>
        c.role === "app" ? { ...c, env: { ...c.env, API_KEY: secretRef("app/api-key"), DB: `postgres://app:${secretRef("app/db-password")}@db/orders` } } : c,
      ),
    };
  };

  it("fails before registering anything when a supplied secret is missing, naming each with its purpose", async () => {
    const registered = recordResources();
    const make = () => new MeshStack("s", { plan: withSupplied(), ...NO_ENGINE, secrets: { "app/api-key": "k" } });
    expect(make).toThrow(SecretsNotSuppliedError);
    expect(make).toThrow("the mesh needs a secret you supply; pass it in MeshStack's secrets, by name:\n  - app/db-password: the orders database's password");
    await settle();
    expect(registered).toEqual([]);
  });

  it("refuses a given name the plan does not declare", () => {
    recordResources();
    expect(() => new MeshStack("s", { plan: tinyPlan(context), ...NO_ENGINE, secrets: { "keycloak/admin-pasword": "x" } })).toThrow(
      'MeshStack secrets names "keycloak/admin-pasword", which the plan does not declare',
    );
  });

  it("uses supplied values, and a given value over a generated one", async () => {
    const { stack } = await realize(withSupplied(), "s", {
      secrets: { "app/api-key": "k-123", "app/db-password": pulumi.secret("pw"), "keycloak/admin-password": "given" },
    });
    const values = await valueOf(stack.secretValues);
    expect(values).toMatchObject({ "app/api-key": "k-123", "app/db-password": "pw", "keycloak/admin-password": "given" });
    expect(await valueOf(stack.containers["api-1-app"]!.envs)).toEqual(expect.arrayContaining(["API_KEY=k-123", "DB=postgres://app:pw@db/orders"]));
    expect(await pulumi.isSecret(stack.containers["api-1-app"]!.envs)).toBe(true);
    expect((await valueOf(stack.keycloakAdmin))!.password).toBe("given");
  });

  it("refuses a plan that disables Consul's ACLs, unless the unsafe option says otherwise", async () => {
    const registered = recordResources();
    const plan = tinyPlan(context);
    const open: MeshPlan = {
      ...plan,
      consul: { ...plan.consul, serverConfig: { ...plan.consul.serverConfig, acl: { enabled: false, default_policy: "deny" } } },
    };
    expect(() => new MeshStack("s", { plan: open, ...NO_ENGINE })).toThrow(InsecurePlanError);
    expect(() => new MeshStack("s", { plan: open, ...NO_ENGINE })).toThrow(/Consul ACLs are off.*\n.*unsafeAllowInsecurePlan: true/s);
    expect(registered).toEqual([]);
    const { stack } = await realize(open, "opened", { unsafeAllowInsecurePlan: true });
    expect(stack.plan).toBe(open);
  });

  it("calls a reference to an undeclared secret a bug in the plan", () => {
    recordResources();
    const plan = tinyPlan(context);
    const broken = { ...plan, containers: plan.containers.map((c) => (c.role === "app" ? { ...c, env: { X: secretRef("nobody") } } : c)) };
    expect(() => new MeshStack("s", { plan: broken, ...NO_ENGINE })).toThrow(MeshInvariantError);
    expect(() => new MeshStack("s", { plan: broken, ...NO_ENGINE })).toThrow(
      "container api-1-app env X references secret nobody, which plan.secrets does not declare",
    );
  });
});

describe("MeshStack's app builds", () => {
  it("names the image by the context's content: the same context, the same name; a changed file, a new one", async () => {
    const context = appContext({ "main.go": "package main\n", "docs/notes.md": "x" });
    const name = async () => (await realize(tinyPlan(context), "b")).of(TYPES.image)[0]!.inputs.name as string;
    const first = await name();
    expect(await name()).toBe(first);
    writeFileSync(join(context, "main.go"), "package main // changed\n");
    const changed = await name();
    expect(changed).not.toBe(first);
    writeFileSync(join(context, ".dockerignore"), "docs\n");
    const ignoring = await name();
    writeFileSync(join(context, "docs", "notes.md"), "y");
    expect(await name()).toBe(ignoring);
  }, 60_000);

  it("fails before registering anything when a build context is missing, naming the service", async () => {
    const registered = recordResources();
    expect(() => new MeshStack("b", { plan: tinyPlan("/nonexistent/api"), ...NO_ENGINE })).toThrow(BuildContextError);
    expect(() => new MeshStack("b", { plan: tinyPlan("/nonexistent/api"), ...NO_ENGINE })).toThrow(
      "service api: build context /nonexistent/api is not a folder",
    );
    await settle();
    expect(registered).toEqual([]);
  });
});

describe("MeshStack options", () => {
  it("applies image overrides to platform containers and probes, never to a service's own image; a name prefix; unpublished ports", async () => {
    const context = appContext();
    const { named } = await realize(tinyPlan(context), "s2", {
      images: { workload: "meshwright/workload:dev", consul: "meshwright/consul:dev" },
      namePrefix: "t1-",
      ports: { consul: false, keycloak: 18080 },
    });
    expect(named("s2-api-1-probe").inputs.image).toBe("meshwright/workload:dev");
    expect(named("s2-api-1").inputs.image).toBe("meshwright/consul:dev");
    expect(named("s2-api-1-app").inputs.image).toMatch(/^tiny\/api:/);
    expect(named("s2-consul").inputs.name).toBe("t1-consul");
    expect(named("s2-consul").inputs.ports).toEqual([]);
    expect(named("s2-keycloak").inputs.ports).toEqual([expect.objectContaining({ internal: 8080, external: 18080 })]);
    // Consul not published: Pulumi reaches it at the server's address on the bridge network.
    expect(named("s2-service-intentions/api").inputs.address).toMatch(/^http:\/\/10\.9\.0\.\d+:8500$/);
  });
});

describe("MeshStack realizing the shop example (compiled by the SDK)", () => {
  const plan = compile(shop);
  let r: Awaited<ReturnType<typeof realize>>;
  beforeAll(async () => {
    r = await realize(plan, "shop");
  });

  it("registers one container per plan container and one Consul object per entry, policy and token", () => {
    const count = (t: string) => r.of(t).length;
    expect(count(TYPES.container)).toBe(plan.containers.length);
    expect(count(TYPES.configEntry)).toBe(plan.consul.configEntries.length);
    expect(count(TYPES.policy)).toBe(plan.consul.acl.policies.length);
    expect(count(TYPES.token)).toBe(plan.consul.acl.tokens.length);
    expect(count(TYPES.image)).toBe(plan.builds.length);
  });

  it.each(plan.services.flatMap((s) => s.instances.map((i) => [i.app, i.sidecar, i.probe, i.node] as const)))(
    "%s, %s and %s are in %s's network namespace",
    (app, sidecar, probe, node) => {
      for (const name of [app, sidecar, probe]) {
        expect(r.named(`shop-${name}`).inputs.networkMode).toBe(`container:shop-${node}-id`);
        expect(r.named(`shop-${name}`).inputs.networksAdvanced).toBeUndefined();
      }
    },
  );

  it("orders containers by the plan's dependsOn", () => {
    const order = r.of(TYPES.container).map((x) => x.name);
    for (const spec of plan.containers) for (const dep of spec.dependsOn) expect(order.indexOf(`shop-${dep}`)).toBeLessThan(order.indexOf(`shop-${spec.name}`));
  });

  it("starts Keycloak's PostgreSQL before Keycloak, waits for its health, and gives both the same generated password as a secret", async () => {
    const order = r.of(TYPES.container).map((x) => x.name);
    expect(order.indexOf("shop-postgres")).toBeLessThan(order.indexOf("shop-keycloak"));
    const postgres = r.named("shop-postgres").inputs;
    expect(postgres).toMatchObject({
      image: "meshwright/postgres:15",
      restart: "unless-stopped",
      wait: true,
      healthcheck: expect.objectContaining({ tests: ["CMD", "pg_isready", "--quiet"] }),
      capabilities: { drops: ["ALL"] },
      networksAdvanced: [expect.objectContaining({ aliases: ["postgres"] })],
      ports: [],
    });
    const password = (await valueOf(r.stack.secretValues))["postgres/keycloak-password"];
    expect(password).toMatch(/^[0-9a-f]{32}$/);
    const pg = r.stack.containers.postgres!;
    const kc = r.stack.containers.keycloak!;
    expect(await pulumi.isSecret(pg.envs)).toBe(true);
    expect(await pulumi.isSecret(kc.envs)).toBe(true);
    expect(await valueOf(pg.envs)).toContain(`POSTGRES_PASSWORD=${password}`);
    expect(await valueOf(kc.envs)).toEqual(
      expect.arrayContaining(["KC_DB_URL=jdbc:postgresql://postgres:5432/keycloak", "KC_DB_USERNAME=keycloak", `KC_DB_PASSWORD=${password}`]),
    );
  });

  it("leaves no secret reference unresolved in any container", async () => {
    for (const c of Object.values(r.stack.containers)) {
      expect(JSON.stringify(await valueOf(c.envs))).not.toContain("{{secret:");
      expect(JSON.stringify(await valueOf(c.uploads))).not.toContain("{{secret:");
    }
  });

  it("publishes the front doors on 127.0.0.1 and reports their URLs and every instance's address", async () => {
    expect(await valueOf(r.stack.consulUrl)).toBe("http://127.0.0.1:8500");
    expect(await valueOf(r.stack.keycloakUrl)).toBe("http://127.0.0.1:8080");
    const addresses = await valueOf(r.stack.serviceAddresses);
    expect(Object.keys(addresses)).toEqual(["payment-service", "user-service"]);
    expect(addresses["user-service"]!["user-service-1"]).toMatch(/^10\.9\.0\.\d+$/);
  });
});

describe("MeshStack's named volumes and Consul cluster", () => {
  it("keeps Consul's Raft state and Keycloak's database on named volumes of the stack, mounted where the plan says", async () => {
    const r = await realize(compile(shop), "vol");
    // Docker names carry the mesh's prefix, as its containers' do.
    expect(r.of(TYPES.volume).map((v) => v.inputs.name)).toEqual(["shop-consul-data", "shop-postgres-data"]);
    expect(r.named("vol-consul").inputs.volumes).toEqual([{ volumeName: "shop-consul-data", containerPath: "/consul/data" }]);
    expect(r.named("vol-postgres").inputs.volumes).toEqual([{ volumeName: "shop-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
  });

  it("creates every server of a three-server cluster before any token: a leader needs all three, and tokens need a leader", async () => {
    const mesh = new Mesh("ha", { consul: { servers: 3 } });
    const api = mesh.service("api");
    mesh.service("web", { upstreams: [api] });
    const r = await realize(compile(mesh), "ha");
    const at = (name: string) => r.registered.findIndex((x) => x.name === name);
    const firstToken = r.registered.findIndex((x) => x.type === TYPES.token);
    expect(firstToken).toBeGreaterThan(0);
    for (const server of ["ha-consul", "ha-consul-2", "ha-consul-3"]) expect(at(server)).toBeLessThan(firstToken);
    expect(r.of(TYPES.volume).map((v) => v.inputs.name)).toEqual(["ha-consul-data", "ha-consul-2-data", "ha-consul-3-data"]);
  });
});

describe("MeshStack with an invalid mesh", () => {
  it("throws the SDK's MeshValidationError and registers nothing", async () => {
    const registered: Registered[] = recordResources();
    const bad = new Mesh("bad");
    bad.service("user-service", { upstreams: ["ghost"] });
    expect(() => new MeshStack("bad", { mesh: bad })).toThrow(MeshValidationError);
    expect(() => new MeshStack("bad", { mesh: bad })).toThrow('services.user-service.upstreams[0]: unknown upstream "ghost"');
    await settle();
    expect(registered).toEqual([]);
  });
});
