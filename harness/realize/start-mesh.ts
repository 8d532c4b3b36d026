import { randomBytes } from "node:crypto";
import { getContainerRuntimeClient, Network } from "testcontainers";
import { compile, Mesh, type ContainerSpec, type MeshPlan } from "../../sdk";
import { containerLogs } from "../docker/container-logs";
import { requireImages } from "../modules/images";
import "../modules/reaper"; // testcontainers' reaper image, set before the first container starts
import { PlanContainer, dockerName, type RunContext } from "./plan-container";
import { removeRunContainers } from "./remove-run";
import { StartedMesh, type StartedPlanContainer } from "./started-mesh";

/** Options for {@link startMesh}. */
export interface StartMeshOptions {
  /** How long one container may take to pass its health check. @default 180000 */
  readonly startupTimeoutMs?: number;
  /** Progress lines (which container started, how long it took). @default silent */
  readonly log?: (line: string) => void;
  /**
   * Leave a mesh that failed to start running, for inspection (`docker ps`).
   * @default true when MESHWRIGHT_KEEP_FAILED=1, else false
   */
  readonly keepOnFailure?: boolean;
}

/** A mesh could not be started; everything that had started has been removed. */
export class MeshStartError extends Error {
  override readonly name = "MeshStartError";
}

/**
 * Starts a mesh (or an already compiled plan) on real containers: one network, then every
 * plan container as soon as the ones it depends on are healthy, independent ones in
 * parallel. If anything fails to start, everything of the run is removed before the error
 * (naming the container and its last log lines) is thrown.
 */
export async function startMesh(meshOrPlan: Mesh | MeshPlan, options: StartMeshOptions = {}): Promise<StartedMesh> {
  const plan = meshOrPlan instanceof Mesh ? compile(meshOrPlan) : meshOrPlan;
  await requireImages([...new Set(plan.containers.map((c) => c.image))]);
  const log = options.log ?? (() => undefined);
  const network = await new Network().start();
  const run: RunContext = { runId: `mw${randomBytes(3).toString("hex")}`, network, startupTimeoutMs: options.startupTimeoutMs ?? 180_000 };
  const started = new Map<string, StartedPlanContainer>();
  const stopAll = async () => {
    await removeRunContainers(run.runId);
    await network.stop().catch(() => undefined);
  };

  const t0 = Date.now();
  const starting = new Map<string, Promise<void>>();
  const startOne = async (spec: ContainerSpec): Promise<void> => {
    await Promise.all(spec.dependsOn.map((d) => starting.get(d) ?? Promise.reject(new MeshStartError(`${spec.name} depends on unknown container ${d}`))));
    const container = await new PlanContainer(spec, run).start();
    started.set(spec.name, { spec, container });
    log(`  ${spec.name} (${spec.role}) healthy at ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };
  // Plan order puts dependencies first, so every dependency's promise exists when needed.
  for (const spec of plan.containers) starting.set(spec.name, startOne(spec));

  const results = await Promise.allSettled(starting.values());
  const failedAt = [...starting.keys()].find((_, i) => results[i]!.status === "rejected");
  if (failedAt !== undefined) {
    const reason = (results[[...starting.keys()].indexOf(failedAt)] as PromiseRejectedResult).reason as Error;
    const tail = await lastLogLines(run, failedAt);
    if (!(options.keepOnFailure ?? process.env.MESHWRIGHT_KEEP_FAILED === "1")) await stopAll();
    throw new MeshStartError(`mesh ${plan.mesh.name}: ${failedAt} did not start: ${reason.message}${tail ? `\n  last log lines of ${failedAt}:\n${tail}` : ""}`, { cause: reason });
  }
  log(`mesh ${plan.mesh.name} up: ${started.size} containers in ${((Date.now() - t0) / 1000).toFixed(1)}s (run ${run.runId})`);
  return new StartedMesh(plan, run.runId, network.getName(), started, stopAll);
}

async function lastLogLines(run: RunContext, planName: string): Promise<string> {
  try {
    const client = await getContainerRuntimeClient();
    const info = await client.container.dockerode.getContainer(dockerName(run, planName)).inspect();
    return (await containerLogs(info.Id)).filter(Boolean).slice(-8).map((l) => `    ${l}`).join("\n");
  } catch {
    return "";
  }
}
