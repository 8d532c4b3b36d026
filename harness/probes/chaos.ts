import { getContainerRuntimeClient } from "testcontainers";
import type { PlannedInstance } from "../../sdk";
import type { StartedMesh } from "../realize/started-mesh";
import { recordChaosMark } from "../report/active-report";
import { plannedInstance } from "../roles/instance";

/** Faults a probe can inflict on one container of a running mesh, by its plan name. */
export type ContainerFault = "stop" | "start" | "kill" | "crash" | "pause" | "unpause" | "restart" | "disconnect" | "reconnect";

/**
 * Inflicts a fault on a container without removing it (testcontainers' `stop()` removes); works
 * for every app but `crash`. `kill` (SIGKILL) and `stop` come from Docker, which counts them as
 * an operator's act: the restart policy leaves the container down. `crash` makes a workload
 * app exit on its own (`/admin/crash`), which is what the restart policy is for. `disconnect` takes a container
 * that owns a network namespace (an instance's node container, e.g. `pay-1`) off the mesh
 * network; `reconnect` puts it back with its plan aliases (Docker hands the freed address
 * back, so its Consul agent's advertised address holds again). With a report active, the fault
 * (or heal: `start`, `unpause`, `reconnect`) is marked on the chaos timeline of the traffic it lands in.
 */
export async function inflict(mesh: StartedMesh, planName: string, fault: ContainerFault): Promise<void> {
  await inflictNow(mesh, planName, fault);
  mesh.markDown(planName, isDown(fault) ? fault : HEALS.has(fault) || fault === "restart" ? undefined : mesh.takenDown().get(planName));
  recordChaosMark(HEALS.has(fault) ? "heal" : "fault", `${fault} ${planName}`);
}

/** The faults after which a container does not answer. */
function isDown(fault: ContainerFault): fault is "stop" | "kill" | "pause" | "disconnect" {
  return fault === "stop" || fault === "kill" || fault === "pause" || fault === "disconnect";
}

/** How to undo each fault that leaves a container down. */
const UNDO = { stop: "start", kill: "start", pause: "unpause", disconnect: "reconnect" } as const;

/**
 * Brings back every container the harness took down and did not bring back (a test that
 * failed half-way), so the next test finds the mesh whole; returns what it healed. Throws,
 * naming each, when one cannot be brought back: the mesh is then half-broken and should be
 * removed.
 */
export async function healAll(mesh: StartedMesh): Promise<string[]> {
  const healed: string[] = [];
  const failed: string[] = [];
  for (const [name, fault] of mesh.takenDown()) {
    await inflict(mesh, name, UNDO[fault]).then(
      () => healed.push(`${UNDO[fault]} ${name}`),
      (e: Error) => failed.push(`${UNDO[fault]} ${name}: ${e.message}`),
    );
  }
  if (failed.length) throw new Error(`mesh ${mesh.plan.mesh.name} could not be restored:\n  ${failed.join("\n  ")}`);
  return healed;
}

/** The faults that undo another. */
const HEALS: ReadonlySet<ContainerFault> = new Set(["start", "unpause", "reconnect"]);

async function inflictNow(mesh: StartedMesh, planName: string, fault: ContainerFault): Promise<void> {
  const client = await getContainerRuntimeClient();
  const c = client.container.dockerode.getContainer(mesh.container(planName).getId());
  const network = () => client.container.dockerode.getNetwork(mesh.networkName);
  switch (fault) {
    case "disconnect":
      return void (await network().disconnect({ Container: c.id, Force: true }));
    case "reconnect": {
      const spec = mesh.plan.containers.find((x) => x.name === planName);
      return void (await network().connect({ Container: c.id, EndpointConfig: { Aliases: [...(spec?.networkAliases ?? [])] } }));
    }
    case "stop":
      return void (await c.stop({ t: 1 }));
    case "start":
      await c.start();
      return mesh.rebind(planName);
    case "crash": {
      const { instance } = workloadInstance(mesh, planName.replace(/-app$/, ""), "crash");
      const r = await mesh.instance(instance.id).http(`http://127.0.0.1:${instance.ports.workloadAdmin}/admin/crash`, { method: "POST", timeoutMs: 3000 });
      if (r.exitCode !== 0 && r.exitCode !== 52 && r.exitCode !== 56) throw new Error(`crash ${planName}: exit ${r.exitCode} ${r.body}`);
      return;
    }
    case "kill":
      return void (await c.kill({ signal: "SIGKILL" }));
    case "pause":
      return void (await c.pause());
    case "unpause":
      return void (await c.unpause());
    case "restart":
      await c.restart({ t: 1 });
      return mesh.rebind(planName);
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}

/** How many times Docker has restarted a container (its restart policy at work). */
export async function restartCount(mesh: StartedMesh, planName: string): Promise<number> {
  const client = await getContainerRuntimeClient();
  return (await client.container.dockerode.getContainer(mesh.container(planName).getId()).inspect()).RestartCount;
}

/** How a workload misbehaves on command (its `/admin/state`); unset fields keep their value. */
export interface WorkloadFaults {
  /** Share of requests answered with `errorStatus`, 0..1. */
  readonly errorRate?: number;
  /** Status of those errors. @default 503 */
  readonly errorStatus?: number;
  /** Added to every echo and call request. */
  readonly latencyMs?: number;
  /** What its health endpoint answers (false: 503, so Consul marks it critical). */
  readonly healthy?: boolean;
  /**
   * The status its health endpoint answers while `healthy`: 429 makes Consul's check warn
   * (workload 0.5.0). @default 200
   */
  readonly healthStatus?: number;
}

/**
 * Makes an instance's app slow, failing or unhealthy while it keeps running; `degrade(mesh,
 * id)` with no faults (or {@link restore}) puts it back. The workload's own admin endpoint,
 * reached inside its namespace, so no mesh rule is involved. With a report active, it is marked
 * (a fault, or a heal when it restores) on the chaos timeline of the traffic it lands in.
 */
export async function degrade(mesh: StartedMesh, instance: string, faults: WorkloadFaults = {}): Promise<void> {
  const { instance: planned } = workloadInstance(mesh, instance, "degrade");
  const reset = Object.keys(faults).length === 0;
  const url = `http://127.0.0.1:${planned.ports.workloadAdmin}/admin/${reset ? "reset" : "state"}`;
  const r = await mesh.instance(instance).http(url, reset ? { method: "POST" } : { method: "PUT", body: JSON.stringify(faults) });
  if (r.status !== 200) throw new Error(`degrade ${instance}: the workload answered ${r.status ?? `nothing (exit ${r.exitCode})`}: ${r.body.trim()}`);
  recordChaosMark(
    reset ? "heal" : "fault",
    reset
      ? `restore ${instance}`
      : `degrade ${instance} ${Object.entries(faults)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(" ")}`,
  );
}

/** The instance, if its app is the workload: faults on command need the workload's admin API. */
function workloadInstance(mesh: StartedMesh, id: string, what: string): { instance: PlannedInstance } {
  const { service, instance } = plannedInstance(mesh.plan, id);
  if (service.app.kind !== "workload" || instance.ports.workloadAdmin === undefined)
    throw new Error(
      `${what} ${id}: faults on command need meshwright's workload app, and ${service.name} runs ${service.app.image}; container faults (inflict kill, stop, pause, disconnect, ...) work for every app`,
    );
  return { instance };
}

/** Undoes {@link degrade}: no errors, no added latency, healthy. */
export function restore(mesh: StartedMesh, instance: string): Promise<void> {
  return degrade(mesh, instance);
}
