/**
 * MeshStack through a real `pulumi up`: the Pulumi CLI, the Docker provider and the dynamic
 * provider launcher built by `npm run engine`, an Automation API inline program, a throwaway
 * file backend. The harness attaches to the containers Pulumi created (by the stack's
 * `dockerNames` and `secretValues` outputs) and proves discovery, weighted balancing and auth
 * on them. Also proved here:
 * - secrets: generated once, kept encrypted in the state, the same after another `up`;
 * - Consul's ACL policies, tokens and config entries are Pulumi resources: an entry changed and
 *   a token deleted behind Pulumi's back show in a plain preview, and `up --refresh` puts
 *   them back, saying so;
 * - app images built from a Dockerfile, named by content: nothing rebuilt when nothing
 *   changed, one service's containers replaced when its context changes, a failing build
 *   named with its output;
 * - preview fails, naming the cause, for an invalid mesh, a missing image and a secret to
 *   supply; a node whose token Consul refuses fails the update naming that cause;
 * - `pulumi destroy` leaves no container or network behind.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { Stack } from "@pulumi/pulumi/automation";
import "../../harness/matchers";
import { requireImages } from "../../harness/realize/images";
import { sendTraffic } from "../../harness/probes/traffic";
import { attachMesh, divergences, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { inlineStack, StackUpdateError, upExplained, type StackTarget } from "../../infra/automation";
import { stackLeftovers } from "../../infra/diagnose";
import { freePort, program, resourceCount } from "./pulumi-stack";
import { meshProgram } from "../../infra/program";
import { bookstoreMesh } from "../../examples/bookstore/bookstore";
import { compile, entryDrift, Mesh, type MeshPlan } from "../../sdk";
import { IMAGE_TAGS } from "../../toolchain/images/components";

const mesh = new Mesh("infra", { identity: { realm: "infra", scopes: ["orders:read"] }, telemetry: { metrics: false } });
const orders = mesh.service("orders", { instances: [{ weight: 3 }, { weight: 1 }], loadBalancing: { policy: "weighted" } });
const web = mesh.service("web", { upstreams: [orders], identity: { scopes: ["orders:read"] } });
const batch = mesh.service("batch", { upstreams: [orders] });
orders.allow(web, { scopes: ["orders:read"] });
orders.allow(batch, { scopes: ["orders:read"] });
const plan = compile(mesh);

const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };
const OFF = { consul: false, keycloak: false, ingress: false, prometheus: false } as const;

/**
 * Destroys a stack that built app images and removes its state and app folders, and the
 * images: MeshStack keeps built images (keepLocally), and this test's are its own to remove.
 */
async function removeBuildStack(stack: Stack, folders: readonly string[], built: MeshPlan): Promise<void> {
  await stack.destroy().catch(() => undefined);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  const docker = new Docker();
  for (const image of await docker.listImages({ filters: { reference: built.builds.map((b) => `${b.repository}:*`) } }))
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** An app's build context: the workload with a note, so a changed note changes the image. */
function appContext(root: string, name: string, note: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), `FROM ${IMAGE_TAGS.workload}\nCOPY note.txt /note.txt\nCMD ["serve"]\n`);
  writeFileSync(join(dir, "note.txt"), note);
  return dir;
}

describe("MeshStack through a real pulumi up", () => {
  const backend = mkdtempSync(join(tmpdir(), "mw-pulumi-state-"));
  const target = (stack: string): StackTarget => ({ project: "meshwright-e2e", stack, backendUrl: `file://${backend}` });
  let stack: Stack | undefined;
  let running: StartedMesh | undefined;
  let upSummary: Record<string, number> = {};
  let secrets: Record<string, string> = {};
  let consulUrl = "";

  /** Consul's HTTP API as the management token holder. */
  const consul = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${consulUrl}${path}`, {
      method,
      headers: { "X-Consul-Token": secrets[plan.consul.acl.managementToken]! },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.text()) || undefined };
  };

  beforeAll(async () => {
    await requireImages([...new Set(plan.containers.filter((c) => !c.build).map((c) => c.image))]);
    const ports = { consul: await freePort(), keycloak: await freePort(), ingress: false, prometheus: false } as const;
    stack = await inlineStack(target("mesh"), program({ plan, ports }, "infra"));
    const up = await upExplained(stack, "infra");
    upSummary = up.summary.resourceChanges ?? {};
    secrets = up.outputs.secretValues!.value as Record<string, string>;
    consulUrl = up.outputs.consulUrl!.value as string;
    running = await attachMesh(plan, { dockerNames: up.outputs.dockerNames!.value as Record<string, string>, secrets });
    await waitConverged(running);
  }, 600_000);

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    rmSync(backend, { recursive: true, force: true });
  }, 300_000);

  it("creates the stack, the component, the network, the secrets, every container and every Consul policy, token and entry", () => {
    expect(upSummary).toEqual({ create: 1 + resourceCount(plan) });
  });

  it("discovery: Consul's catalog and every sidecar match the plan", async () => {
    expect(await divergences(running!)).toEqual([]);
    const res = await consul("GET", "/v1/health/service/orders?passing=true");
    const passing = (JSON.parse(res.body!) as { Service: { ID: string; Weights: { Passing: number } } }[]).map((e) => [
      e.Service.ID,
      e.Service.Weights.Passing,
    ]);
    expect(passing.sort()).toEqual([
      ["orders-1", 3],
      ["orders-2", 1],
    ]);
  });

  it("balancing: web's requests to orders follow the 3:1 instance weights", async () => {
    const n = balanceSampleSize(2, CONFIDENCE);
    const token = await running!.tokenFor("web");
    const sample = await sendTraffic(running!, "web-1", "orders", { count: n, headers: { authorization: `Bearer ${token}` } });
    expect(sample.byStatus()).toEqual({ 200: n });
    expect(sample).toMatchWeights({ "orders-1": 3, "orders-2": 1 }, CONFIDENCE);
  });

  it("auth: orders admits a caller only with a Keycloak token carrying orders:read", async () => {
    const webToken = await running!.tokenFor("web");
    const batchToken = await running!.tokenFor("batch"); // a real token, without the scope
    const status = async (from: string, token?: string) =>
      (await running!.call(from, "orders", "/", token ? { headers: { authorization: `Bearer ${token}` } } : {})).status;
    expect({
      "web, with its token": await status("web-1", webToken),
      "web, no token": await status("web-1"),
      "batch, with its token (no orders:read)": await status("batch-1", batchToken),
    }).toEqual({ "web, with its token": 200, "web, no token": 403, "batch, with its token (no orders:read)": 403 });
  });

  it("secrets: Consul refuses a request without the stack's token, and the state holds every value encrypted", async () => {
    expect((await fetch(`${consulUrl}/v1/acl/tokens`)).status).toBe(403);
    expect((await consul("GET", "/v1/acl/token/self")).status).toBe(200);
    const state = readdirSync(join(backend, ".pulumi", "stacks", "meshwright-e2e"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => readFileSync(join(backend, ".pulumi", "stacks", "meshwright-e2e", f), "utf8"))
      .join("\n");
    for (const key of [plan.consul.acl.managementToken, plan.keycloak!.admin.passwordSecret, "consul/gossip-key", "consul/ca#key"]) {
      expect(secrets[key]).toBeTruthy();
      expect(state).not.toContain(JSON.stringify(secrets[key]!).slice(1, -1));
    }
  });

  it("a second pulumi up has nothing to change, and keeps every secret", async () => {
    const preview = await stack!.preview();
    expect(preview.changeSummary).toEqual({ same: 1 + resourceCount(plan) });
    const outputs = await stack!.outputs();
    expect(outputs.secretValues!.value).toEqual(secrets);
    expect(outputs.secretValues!.secret).toBe(true);
    expect(outputs.keycloakAdmin!.secret).toBe(true);
  });

  it("an intention changed and a token deleted behind Pulumi's back show in a plain preview; up --refresh puts them back, saying so", async () => {
    const planned = plan.consul.configEntries.find((e) => e.Kind === "service-intentions" && e.Name === "orders")!;
    const widened = { Kind: "service-intentions", Name: "orders", Sources: [{ Name: "*", Action: "allow" }] };
    expect((await consul("PUT", "/v1/config", widened)).body).toBe("true");
    const webToken = plan.consul.acl.tokens.find((t) => t.secret.endsWith("service-web-1"))!;
    expect((await consul("DELETE", `/v1/acl/token/${webToken.accessorId}`)).status).toBe(200);

    const preview = await stack!.preview();
    expect(preview.changeSummary).toEqual({ same: resourceCount(plan) - 1, update: 2 });

    const up = await upExplained(stack!, "infra", { refresh: true });
    expect(up.restored).toEqual(
      expect.arrayContaining([
        { subject: "service-intentions/orders", drift: "changed" },
        { subject: `acl-token/${webToken.secret}`, drift: "deleted" },
      ]),
    );
    const live = JSON.parse((await consul("GET", "/v1/config/service-intentions/orders")).body!) as Record<string, unknown>;
    expect(entryDrift(planned, live)).toEqual([]);
    expect((await consul("GET", `/v1/acl/token/${webToken.accessorId}`)).status).toBe(200);
    expect((await stack!.preview()).changeSummary).toEqual({ same: 1 + resourceCount(plan) });
  }, 300_000);

  it("a proxy-defaults drifted behind Pulumi's back is put back by up --refresh while web calls orders, and no call fails", async () => {
    const planned = plan.consul.configEntries.find((e) => e.Kind === "proxy-defaults")!;
    // Someone drops the extensions (among them the filter that strips forged headers): drift in
    // a field the plan sets, which every sidecar's listeners change with.
    expect((await consul("PUT", "/v1/config", { ...planned, EnvoyExtensions: [] })).body).toBe("true");
    const token = await running!.tokenFor("web");
    // Paced batches from web-1 to orders for as long as the update runs: every sidecar takes
    // new listeners while requests are in flight.
    let updating = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (updating) {
        const s = await sendTraffic(running!, "web-1", "orders", { count: 100, qps: 100, concurrency: 2, headers: { authorization: `Bearer ${token}` } });
        statuses.push(...s.results.map((r) => r.status));
      }
    })();
    const up = await upExplained(stack!, "infra", { refresh: true }).finally(() => (updating = false));
    await load;
    expect(up.restored).toEqual(expect.arrayContaining([{ subject: `proxy-defaults/${planned.Name}`, drift: "changed" }]));
    const live = JSON.parse((await consul("GET", `/v1/config/proxy-defaults/${planned.Name}`)).body!) as Record<string, unknown>;
    expect(entryDrift(planned, live)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((x) => x !== 200)).toEqual([]);
  }, 300_000);

  it("an invalid mesh fails preview with the SDK's errors and creates nothing", async () => {
    const bad = new Mesh("bad");
    bad.service("api", { upstreams: ["ghost"] });
    const badStack = await inlineStack(target("invalid"), async () => meshProgram(bad));
    const error = await badStack.preview().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('services.api.upstreams[0]: unknown upstream "ghost" (hint: declare it with mesh.service("ghost", {...})');
    expect(await stackLeftovers("bad")).toEqual([]);
  });

  it("an app image that is not on the engine fails preview, naming it and how to get it", async () => {
    const m = new Mesh("ghostly", { telemetry: { metrics: false } });
    m.service("ghost", { app: { image: "acme/ghost:1.0" } });
    const s = await inlineStack(target("ghost"), async () => meshProgram(m));
    const error = await s.preview().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain("acme/ghost:1.0, for ghost-1-app; service ghost runs its own image: build it (docker build -t acme/ghost:1.0");
    expect(await stackLeftovers("ghostly")).toEqual([]);
  });

  it("a secret to supply that is missing fails preview, naming it and its purpose", async () => {
    const small = new Mesh("needy", { telemetry: { metrics: false } });
    small.service("api");
    const tiny = compile(small);
    const needy: MeshPlan = {
      ...tiny,
      secrets: [...tiny.secrets, { name: "app/api-key", purpose: "the payment provider's API key", generate: { kind: "supplied" } }],
    };
    const s = await inlineStack(target("needy"), program({ plan: needy, ports: OFF }, "needy"));
    const error = await s.preview().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain("  - app/api-key: the payment provider's API key");
    expect(await stackLeftovers("needy")).toEqual([]);
  });

  it("pulumi destroy removes every container and the network", async () => {
    const result = await stack!.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 1 + resourceCount(plan) });
    expect(await stackLeftovers("infra")).toEqual([]);
    stack = undefined;
  }, 300_000);
});

describe("MeshStack's app builds through a real pulumi up", () => {
  const backend = mkdtempSync(join(tmpdir(), "mw-pulumi-state-"));
  const apps = mkdtempSync(join(tmpdir(), "mw-apps-"));
  const m = new Mesh("builds", { telemetry: { metrics: false } });
  const beta = m.service("beta", { app: { build: { context: appContext(apps, "beta", "beta v1") } } });
  const alpha = m.service("alpha", { app: { build: { context: appContext(apps, "alpha", "alpha v1") } }, upstreams: [beta] });
  beta.allow(alpha);
  const built = compile(m);
  let stack: Stack;

  beforeAll(async () => {
    stack = await inlineStack({ project: "meshwright-e2e", stack: "builds", backendUrl: `file://${backend}` }, program({ plan: built, ports: OFF }, "builds"));
  });

  afterAll(() => removeBuildStack(stack, [backend, apps], built), 300_000);

  it("builds each app image and runs the apps on them; a second up builds nothing", async () => {
    const up = await upExplained(stack, "builds");
    expect(up.summary.resourceChanges).toEqual({ create: 1 + resourceCount(built) });
    expect((await stack.preview()).changeSummary).toEqual({ same: 1 + resourceCount(built) });
  }, 400_000);

  it("a changed file in one app's context replaces that image and that service's app container, nothing else", async () => {
    writeFileSync(join(apps, "alpha", "note.txt"), "alpha v2");
    const replaced: string[] = [];
    await stack.up({ onEvent: (e) => e.resOutputsEvent?.metadata.op === "replace" && replaced.push(e.resOutputsEvent.metadata.urn.split("::").pop()!) });
    // The probe follows its app, so the update waits for the new app's health.
    expect(replaced.sort()).toEqual(["builds-alpha-1-app", "builds-alpha-1-probe", "builds-image-alpha"]);
  }, 300_000);

  it("a build that fails names the service and the build's last lines; fixed, the next up recovers", async () => {
    writeFileSync(join(apps, "beta", "Dockerfile"), `FROM ${IMAGE_TAGS.workload}\nRUN echo "error: beta does not compile" >&2 && false\n`);
    const error = await upExplained(stack, "builds").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StackUpdateError);
    expect(error!.message).toContain(`the app image of service beta did not build (${join(apps, "beta", "Dockerfile")}); the build's last lines:`);
    expect(error!.message).toContain("error: beta does not compile");
    appContext(apps, "beta", "beta v2");
    expect((await upExplained(stack, "builds")).summary.result).toBe("succeeded");
  }, 300_000);

  it("a node whose token Consul refuses fails the update, naming that cause; the next up recovers", async () => {
    const node = built.containers.find((c) => c.role === "node" && c.service === "alpha")!;
    const tokenSecret = built.consul.acl.tokens.find((t) => t.nodeIdentities?.some((n) => n.nodeName === node.name))!.secret;
    const broken: MeshPlan = {
      ...built,
      secrets: [...built.secrets, { name: "bogus", purpose: "a token Consul never heard of", generate: { kind: "uuid" } }],
      containers: built.containers.map((c) =>
        c.name === node.name
          ? {
              ...c,
              env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, v.replace(tokenSecret, "bogus")])),
              files: c.files.map((f) => ({ ...f, content: f.content.replace(tokenSecret, "bogus") })),
            }
          : c,
      ),
    };
    const failing = await inlineStack(
      { project: "meshwright-e2e", stack: "builds", backendUrl: `file://${backend}` },
      program({ plan: broken, ports: OFF, waitTimeoutSeconds: 40 }, "builds"),
    );
    const error = await upExplained(failing, "builds").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StackUpdateError);
    expect(error!.message).toMatch(new RegExp(`container builds-${node.name} is [^\\n]+\\n  cause: its Consul ACL token was refused`));
    expect((await upExplained(stack, "builds")).summary.result).toBe("succeeded");
  }, 400_000);

  it("an app that never answers its probe's health check is named, with the probe's health check output", async () => {
    // The workload's idle mode: the app runs but listens nowhere.
    writeFileSync(join(apps, "alpha", "Dockerfile"), `FROM ${IMAGE_TAGS.workload}\nCMD ["probe"]\n`);
    const silent = await inlineStack(
      { project: "meshwright-e2e", stack: "builds", backendUrl: `file://${backend}` },
      program({ plan: built, ports: OFF, waitTimeoutSeconds: 30 }, "builds"),
    );
    const error = await upExplained(silent, "builds").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StackUpdateError);
    expect(error!.message).toMatch(
      /container builds-alpha-1-app is (unhealthy|not healthy yet) \(its health check runs in builds-alpha-1-probe\)\n {2}last health check: exit [1-9]/,
    );
    appContext(apps, "alpha", "alpha v3");
    expect((await upExplained(stack, "builds")).summary.result).toBe("succeeded");
  }, 400_000);

  it("pulumi destroy leaves nothing but the kept app images", async () => {
    await stack.destroy();
    expect(await stackLeftovers("builds")).toEqual([]);
  }, 300_000);
});

describe("the bookstore (nginx, Flask and the workload) through a real pulumi up", () => {
  const backend = mkdtempSync(join(tmpdir(), "mw-pulumi-state-"));
  // A copy of the apps, so the test can change one of their files.
  const apps = mkdtempSync(join(tmpdir(), "mw-bookstore-"));
  for (const app of ["catalog", "storefront"]) cpSync(join(__dirname, "..", "..", "examples", "bookstore", app), join(apps, app), { recursive: true });
  const built = compile(bookstoreMesh(apps));
  let stack: Stack;
  let running: StartedMesh;

  beforeAll(async () => {
    // Consul's API for waitConverged, Keycloak for tokens, the ingress for the pages.
    const ports = { consul: await freePort(), keycloak: await freePort(), ingress: await freePort(), prometheus: false } as const;
    stack = await inlineStack({ project: "meshwright-e2e", stack: "bookstore", backendUrl: `file://${backend}` }, program({ plan: built, ports }, "bookstore"));
  });

  afterAll(() => removeBuildStack(stack, [backend, apps], built), 300_000);

  it("builds both app images, and every container turns healthy; the Flask app's token reaches inventory", async () => {
    const t0 = Date.now();
    const up = await upExplained(stack, "bookstore");
    console.info(`bookstore: pulumi up created ${up.summary.resourceChanges?.create} resources in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(up.summary.resourceChanges).toEqual({ create: 1 + resourceCount(built) });
    running = await attachMesh(built, {
      dockerNames: up.outputs.dockerNames!.value as Record<string, string>,
      secrets: up.outputs.secretValues!.value as Record<string, string>,
    });
    await waitConverged(running);
    const books = await running.ingress("web").request({ host: "api.bookstore.local", path: "/books" });
    expect([books.status, (JSON.parse(books.body) as { inventory: { status: number } }).inventory.status]).toEqual([200, 200]);
  }, 600_000);

  it("a second pulumi up has nothing to change", async () => {
    const changed: string[] = [];
    const preview = await stack.preview({
      diff: true,
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op !== "same") changed.push(`${m.op} ${m.urn.split("::").pop()} (${(m.diffs ?? []).join(", ")})`);
      },
    });
    expect(changed).toEqual([]);
    expect(preview.changeSummary).toEqual({ same: 1 + resourceCount(built) });
  }, 300_000);

  it("a changed page in the storefront's context replaces its image, app and probe, nothing else", async () => {
    writeFileSync(join(apps, "storefront", "html", "index.html"), "<!doctype html><html><body>changed</body></html>\n");
    const replaced: string[] = [];
    await stack.up({ onEvent: (e) => e.resOutputsEvent?.metadata.op === "replace" && replaced.push(e.resOutputsEvent.metadata.urn.split("::").pop()!) });
    expect(replaced.sort()).toEqual(["bookstore-image-storefront", "bookstore-storefront-1-app", "bookstore-storefront-1-probe"]);
    const page = await running.ingress("web").request({ host: "bookstore.local", path: "/" });
    expect(page.body).toContain("changed");
  }, 400_000);

  it("pulumi destroy leaves nothing but the kept app images", async () => {
    await stack.destroy();
    expect(await stackLeftovers("bookstore")).toEqual([]);
  }, 300_000);
});
