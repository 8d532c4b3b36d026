/**
 * MeshStack through a real `pulumi up`: the Pulumi CLI and Docker provider built by
 * `npm run engine`, an Automation API inline program, a throwaway file backend. The harness
 * attaches to the containers Pulumi created (by the stack's `dockerNames` output) and proves
 * discovery, weighted balancing and auth on them; a second `up` changes nothing; an invalid
 * mesh fails `preview` with the SDK's errors; a container that never turns healthy fails the
 * update naming it with its last log lines, and the next `up` recovers; `pulumi destroy`
 * leaves no container or network behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import "../../harness/matchers";
import { requireImages } from "../../harness/modules/images";
import { sendTraffic } from "../../harness/probes/traffic";
import { attachMesh, divergences, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { inlineStack, StackUpdateError, upExplained, type StackTarget } from "../../infra/automation";
import { stackLeftovers } from "../../infra/diagnose";
import { MeshStack, type MeshStackArgs } from "../../infra/mesh-stack";
import { meshProgram } from "../../infra/program";
import { compile, Mesh, type MeshPlan } from "../../sdk";

const mesh = new Mesh("infra", { identity: { realm: "infra", scopes: ["orders:read"] }, telemetry: { metrics: false } });
const orders = mesh.service("orders", { instances: [{ weight: 3 }, { weight: 1 }], loadBalancing: { policy: "weighted" } });
const web = mesh.service("web", { upstreams: [orders], identity: { scopes: ["orders:read"] } });
const batch = mesh.service("batch", { upstreams: [orders] });
orders.allow(web, { scopes: ["orders:read"] });
orders.allow(batch, { scopes: ["orders:read"] });
const plan = compile(mesh);

const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };

/** A port nothing listens on right now, to publish Consul and Keycloak on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function program(args: MeshStackArgs, name: string) {
  return async () => {
    const s = new MeshStack(name, args);
    return { consulUrl: s.consulUrl, keycloakUrl: s.keycloakUrl, dockerNames: s.dockerNames };
  };
}

describe("MeshStack through a real pulumi up", () => {
  const backend = mkdtempSync(join(tmpdir(), "mw-pulumi-state-"));
  const target = (stack: string): StackTarget => ({ project: "meshwright-e2e", stack, backendUrl: `file://${backend}` });
  let stack: Stack | undefined;
  let running: StartedMesh | undefined;
  let upSummary: Record<string, number> = {};

  beforeAll(async () => {
    await requireImages([...new Set(plan.containers.map((c) => c.image))]);
    const ports = { consul: await freePort(), keycloak: await freePort(), ingress: false, prometheus: false } as const;
    stack = await inlineStack(target("mesh"), program({ plan, ports }, "infra"));
    const up = await upExplained(stack, "infra");
    upSummary = up.summary.resourceChanges ?? {};
    running = await attachMesh(plan, { dockerNames: up.outputs.dockerNames!.value as Record<string, string> });
    await waitConverged(running);
  }, 400_000);

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    rmSync(backend, { recursive: true, force: true });
  });

  it("creates the stack, the component, one network and a container per plan container", () => {
    expect(upSummary).toEqual({ create: 3 + plan.containers.length });
  });

  it("discovery: Consul's catalog and every sidecar match the plan", async () => {
    expect(await divergences(running!)).toEqual([]);
    const res = await fetch(`${running!.consulUrl()}/v1/health/service/orders?passing=true`);
    const passing = ((await res.json()) as { Service: { ID: string; Weights: { Passing: number } } }[]).map((e) => [e.Service.ID, e.Service.Weights.Passing]);
    expect(passing.sort()).toEqual([["orders-1", 3], ["orders-2", 1]]);
  });

  it("balancing: web's requests to orders follow the 3:1 instance weights", async () => {
    const n = balanceSampleSize(2, CONFIDENCE);
    const token = await running!.tokenFor("web");
    const sample = await sendTraffic(running!, "web-1", "orders", { count: n, headers: { authorization: `Bearer ${token}` } });
    expect(sample.byStatus()).toEqual({ 200: n });
    expect(sample).toMatchWeights({ "orders-1": 3, "orders-2": 1 }, CONFIDENCE);
    expect(sample).not.toBeUniform(["orders-1", "orders-2"], CONFIDENCE);
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
      "batch, with web's token": await status("batch-1", webToken),
    }).toEqual({
      "web, with its token": 200,
      "web, no token": 403,
      "batch, with its token (no orders:read)": 403,
      // The intention allows batch with the scope: identity of the caller comes from mTLS, the scope from the token.
      "batch, with web's token": 200,
    });
  });

  it("a second pulumi up has nothing to change", async () => {
    const preview = await stack!.preview();
    expect(preview.changeSummary).toEqual({ same: 3 + plan.containers.length });
  });

  it("an invalid mesh fails preview with the SDK's errors and creates nothing", async () => {
    const bad = new Mesh("bad");
    bad.service("api", { upstreams: ["ghost"] });
    const badStack = await inlineStack(target("invalid"), async () => meshProgram(bad));
    const error = await badStack.preview().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toContain('services.api.upstreams[0]: unknown upstream "ghost" (hint: declare it with mesh.service("ghost", {...})');
    expect(await stackLeftovers("bad")).toEqual([]);
  });

  it("a container that never turns healthy fails the update, naming it with its last log lines; the next up recovers", async () => {
    const small = new Mesh("tiny", { telemetry: { metrics: false } });
    small.service("lonely");
    const good = compile(small);
    // Broken on purpose: the sidecar asks for a service no agent registered.
    const broken: MeshPlan = { ...good, containers: good.containers.map((c) => (c.role === "sidecar" ? { ...c, command: c.command.map((a) => (a === "lonely-1" ? "nobody-1" : a)) } : c)) };
    const args = { ports: { consul: false, keycloak: false, ingress: false, prometheus: false }, waitTimeoutSeconds: 15 } as const;
    const failing = await inlineStack(target("failing"), program({ plan: broken, ...args }, "tiny"));
    try {
      const error = await upExplained(failing, "tiny").then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StackUpdateError);
      console.info((error as Error).message);
      expect((error as Error).message).toMatch(/container tiny-lonely-1-sidecar is (unhealthy|restarting|exited|not healthy yet)/);
      expect((error as Error).message).toMatch(/its last log lines:\n {4}\S/);

      const recovered = await inlineStack(target("failing"), program({ plan: good, ...args }, "tiny"));
      const up = await upExplained(recovered, "tiny");
      expect(up.summary.result).toBe("succeeded");
      await recovered.destroy();
    } finally {
      await failing.destroy().catch(() => undefined);
    }
    expect(await stackLeftovers("tiny")).toEqual([]);
  });

  it("pulumi destroy removes every container and the network", async () => {
    const result = await stack!.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 3 + plan.containers.length });
    expect(await stackLeftovers("infra")).toEqual([]);
    stack = undefined;
  });
});
