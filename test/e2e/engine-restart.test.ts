/**
 * The Docker engine restarts under the mesh (an upgrade of Docker, a crash of dockerd) while
 * web calls orders, on a stack made by a real `pulumi up`:
 * - no request fails, and no container of the stack stops or is restarted: the engine runs
 *   with live-restore, which `npm run docker` sets, and the doctor warns where it is off;
 * - afterwards the catalog and every sidecar still match the plan, and a token issued before
 *   the restart and one issued after both pass;
 * - `pulumi up --refresh`, which reads every container back from the restarted engine, has
 *   nothing to change.
 * It runs in a jest process of its own, after every other e2e file: the engine restart drops
 * the process's connections through published ports, the reaper's among them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { Stack } from "@pulumi/pulumi/automation";
import { engineLiveRestore, restartDockerEngine, type EngineRestart } from "../../harness/probes/engine-restart";
import { requireImages } from "../../harness/realize/images";
import { sendTraffic } from "../../harness/probes/traffic";
import { attachMesh, divergences, waitConverged, type StartedMesh } from "../../harness/realize";
import { inlineStack, upExplained } from "../../infra/automation";
import { stackLeftovers } from "../../infra/diagnose";
import { compile, Mesh } from "../../sdk";
import { freePort, program, resourceCount } from "./pulumi-stack";

const mesh = new Mesh("enginerestart", { identity: { realm: "restart", scopes: ["orders:read"] }, telemetry: { metrics: false } });
const orders = mesh.service("orders", { instances: 2 });
const web = mesh.service("web", { upstreams: [orders], identity: { scopes: ["orders:read"] } });
orders.allow(web, { scopes: ["orders:read"] });
const plan = compile(mesh);

/** The paced stream from web-1 to orders across the restart: 200/s for 30 s. */
const LOAD = { count: 6000, qps: 200, concurrency: 4 };
/** Where the stream writes its results inside web-1's probe: the engine is down while it runs, so it cannot stream them back. */
const OUT = "/tmp/engine-restart-load";

interface Started {
  readonly name: string;
  readonly startedAt: string;
  readonly restarts: number;
  readonly running: boolean;
}

/** Every container of the stack, with when it started and how often Docker restarted it. */
async function stackContainers(docker: Docker): Promise<Started[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`io.meshwright.stack=${mesh.name}`] } });
  const out: Started[] = [];
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    out.push({ name: info.Name.slice(1), startedAt: info.State.StartedAt, restarts: info.RestartCount, running: info.State.Running });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

describe("the Docker engine restarts under a mesh made by pulumi up", () => {
  const backend = mkdtempSync(join(tmpdir(), "mw-engine-restart-"));
  const docker = new Docker();
  let stack: Stack | undefined;
  let running: StartedMesh | undefined;
  /** Docker's name of each plan container. */
  let dockerNames: Record<string, string> = {};

  beforeAll(async () => {
    if (!(await engineLiveRestore(docker)))
      throw new Error(
        "this Docker engine runs without live-restore, so its restart would stop the mesh: start it with npm run docker (dockerd --live-restore), " +
          'or add "live-restore": true to /etc/docker/daemon.json and run sudo kill -HUP $(pidof dockerd)',
      );
    await requireImages([...new Set(plan.containers.map((c) => c.image))]);
    const ports = { consul: await freePort(), keycloak: await freePort(), ingress: false, prometheus: false } as const;
    stack = await inlineStack({ project: "meshwright-e2e", stack: "engine", backendUrl: `file://${backend}` }, program({ plan, ports }, mesh.name));
    const up = await upExplained(stack, mesh.name);
    dockerNames = up.outputs.dockerNames!.value as Record<string, string>;
    running = await attachMesh(plan, {
      dockerNames,
      secrets: up.outputs.secretValues!.value as Record<string, string>,
    });
    await waitConverged(running);
  }, 600_000);

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    rmSync(backend, { recursive: true, force: true });
    if (stack) expect(await stackLeftovers(mesh.name)).toEqual([]);
  }, 300_000);

  it("no request fails, no container stops, the mesh stays as planned, and pulumi up --refresh has nothing to change", async () => {
    const before = await stackContainers(docker);
    expect(before.length).toBe(plan.containers.length);
    const tokenBefore = await running!.tokenFor("web");

    // The stream runs detached inside web-1's probe and writes its results to a file: an exec's
    // output travels through the engine, which is about to go away.
    const web1 = running!.instance("web-1");
    const url = web1.upstreamUrl("orders");
    const load = `workload load ${url}/ -n ${LOAD.count} -c ${LOAD.concurrency} -q ${LOAD.qps} -H 'authorization: Bearer ${tokenBefore}' --timeout-ms 5000`;
    const probe = docker.getContainer(running!.container(plan.services.find((s) => s.name === "web")!.instances[0]!.probe).getId());
    const exec = await probe.exec({ Cmd: ["sh", "-c", `${load} > ${OUT}.json 2> ${OUT}.err; echo $? > ${OUT}.rc`] });
    await exec.start({ Detach: true });
    await new Promise((r) => setTimeout(r, 5_000));

    const restart: EngineRestart = await restartDockerEngine();
    console.log(`engine restart (${restart.how}, live-restore ${restart.liveRestore}): down for ${restart.downMs} ms`);

    const deadline = Date.now() + 120_000;
    let rc = await web1.exec(["cat", `${OUT}.rc`]);
    while (rc.exitCode !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      rc = await web1.exec(["cat", `${OUT}.rc`]);
    }
    expect(rc.exitCode).toBe(0);
    expect({ exit: rc.stdout.trim(), stderr: (await web1.exec(["cat", `${OUT}.err`])).stdout.slice(0, 300) }).toEqual({ exit: "0", stderr: "" });
    const results = (JSON.parse((await web1.exec(["cat", `${OUT}.json`])).stdout) as { results: { status: number; startMs: number }[] }).results;
    const failed = results.filter((r) => r.status !== 200);
    console.log(`${results.length} requests across the restart, ${failed.length} failed`);
    expect(results.length).toBe(LOAD.count);
    expect(failed).toEqual([]);

    expect(await stackContainers(docker)).toEqual(before);
    await waitConverged(running!);
    expect(await divergences(running!)).toEqual([]);
    const tokenAfter = await running!.tokenFor("web");
    for (const token of [tokenBefore, tokenAfter]) expect((await web1.call("orders", "/", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const up = await upExplained(stack!, mesh.name, { refresh: true });
    expect(up.summary.resourceChanges).toEqual({ same: 1 + resourceCount(plan) });
    expect(up.restored).toEqual([]);
  }, 600_000);

  it("the host crashes under the mesh: every container that owns its network returns by its restart policy, one pulumi up --refresh brings back the rest, and the next up has nothing to change", async () => {
    // A crash of the host, short of the kernel: every process of the stack's containers dies
    // while the engine is down, so the engine finds them dead when it starts and applies their
    // restart policies, as it does after a reboot.
    const pids = (await Promise.all(plan.containers.map(async (c) => (await docker.getContainer(dockerNames[c.name]!).inspect()).State.Pid))).filter(
      (p) => p > 0,
    );
    expect(pids.length).toBe(plan.containers.length);
    const restart = await restartDockerEngine({ whileDown: () => pids.forEach((pid) => process.kill(pid, "SIGKILL")) });
    console.log(`engine down for ${restart.downMs} ms; ${pids.length} containers killed meanwhile`);

    const byDockerName = new Map(plan.containers.map((c) => [dockerNames[c.name]!, c]));
    const owners = plan.containers.filter((c) => !c.networkMode).map((c) => dockerNames[c.name]!);
    // Restart policies at work: wait until every container that owns its network runs again
    // (Keycloak may restart a few times until PostgreSQL answers).
    let after = await stackContainers(docker);
    const deadline = Date.now() + 120_000;
    const downOwners = () => after.filter((c) => owners.includes(c.name) && !c.running).map((c) => c.name);
    while (downOwners().length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      after = await stackContainers(docker);
    }
    expect(downOwners()).toEqual([]);
    // Those that share an instance's network namespace may lose the race to it: Docker starts
    // them all at once, and one started before its instance's node fails for good (moby issue
    // 50326). Any other reason to stay down is a failure of its own.
    const stayedDown = await Promise.all(
      after.filter((c) => !c.running).map(async (c) => ({ name: c.name, error: (await docker.getContainer(c.name).inspect()).State.Error })),
    );
    console.log(
      `back by restart policy: ${after.filter((c) => c.running).length} of ${after.length}; still down: ${stayedDown.map((c) => c.name).join(", ") || "none"}`,
    );
    for (const c of stayedDown) {
      expect(byDockerName.get(c.name)?.networkMode).toBeDefined();
      expect({ name: c.name, error: c.error }).toEqual({ name: c.name, error: expect.stringMatching(/non running container/) });
    }

    const up = await upExplained(stack!, mesh.name, { refresh: true });
    console.log(`pulumi up --refresh after the crash: ${JSON.stringify(up.summary.resourceChanges)}`);
    expect((await stackContainers(docker)).filter((c) => !c.running)).toEqual([]);
    await waitConverged(running!);
    expect(await divergences(running!)).toEqual([]);
    const token = await running!.tokenFor("web");
    const sample = await sendTraffic(running!, "web-1", "orders", { count: 200, qps: 100, headers: { authorization: `Bearer ${token}` } });
    expect(sample.byStatus()).toEqual({ 200: 200 });
    expect(Object.keys(sample.byInstance()).sort()).toEqual(["orders-1", "orders-2"]);

    const again = await upExplained(stack!, mesh.name, { refresh: true });
    expect(again.summary.resourceChanges).toEqual({ same: 1 + resourceCount(plan) });
  }, 600_000);
});
