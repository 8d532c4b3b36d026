import { randomBytes } from "node:crypto";
import { getContainerRuntimeClient, Network } from "testcontainers";
import { compile, Mesh, planWeaknesses, type ContainerSpec, type MeshPlan } from "../../sdk";
import "./reaper"; // testcontainers' reaper image, set before the first container starts
import { buildApps } from "./build-apps";
import { diagnosis, UnhealthyContainerError } from "./health-wait";
import { applyAcl } from "./consul-acl";
import { requireImages } from "./images";
import { PlanContainer, dockerName, type RunContext } from "./plan-container";
import { publishAddress } from "./publish-address";
import { removeRunContainers } from "./remove-run";
import { runSecrets, withSecrets } from "./secrets";
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
  /**
   * Values of secrets by name: required for the plan's `supplied` secrets, optional for the
   * rest, which are otherwise random for this run.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Where relative app build contexts start. @default process.cwd() */
  readonly buildCwd?: string;
  /**
   * Start only these plan containers (and what they depend on), e.g. `["consul", "keycloak"]`
   * to check the control plane alone. @default every container
   */
  readonly only?: readonly string[];
  /**
   * Start a plan that trusts its containers (ACLs off or allowing by default, gossip not
   * encrypted, RPC without TLS: see the SDK's `planWeaknesses`); refused otherwise. A compiled
   * plan has none of these. For experiments only. @default false
   */
  readonly unsafeAllowInsecurePlan?: boolean;
}

/** A mesh could not be started; everything that had started has been removed. */
export class MeshStartError extends Error {
  override readonly name = "MeshStartError";
}

/**
 * Starts a mesh (or an already compiled plan) on real containers: builds app images that are
 * missing (cached by content), makes this run's secrets, creates one network, then starts
 * every plan container as soon as the ones it depends on are healthy, independent ones in
 * parallel; right after the Consul server is healthy it creates the plan's ACL policies and
 * tokens. If anything fails, everything of the run is removed before the error (naming the
 * container and its last log lines) is thrown. Works from any test runner: containers are
 * labelled for meshwright's own reaper, which removes them if the process dies.
 */
export async function startMesh(meshOrPlan: Mesh | MeshPlan, options: StartMeshOptions = {}): Promise<StartedMesh> {
  const plan = meshOrPlan instanceof Mesh ? compile(meshOrPlan) : meshOrPlan;
  const weaknesses = planWeaknesses(plan);
  if (weaknesses.length && !options.unsafeAllowInsecurePlan)
    throw new MeshStartError(
      `mesh ${plan.mesh.name}: the plan trusts its containers:\n${weaknesses.map((w) => `  - ${w}`).join("\n")}\nfix: compile the mesh with meshwright's SDK, or pass unsafeAllowInsecurePlan: true to startMesh for an experiment`,
    );
  const log = options.log ?? (() => undefined);
  for (const w of plan.warnings) log(`warning: ${w.path}: ${w.message} (${w.hint})`);
  const specs = selected(plan, options.only);
  await requireImages([...new Set(specs.filter((c) => !c.build).map((c) => c.image))]);
  const built = await buildApps(plan, { ...(options.buildCwd ? { cwd: options.buildCwd } : {}), log });
  const secrets = runSecrets(plan, options.secrets);
  const publish = await publishAddress((await getContainerRuntimeClient()).info.containerRuntime.host);
  const network = await new Network().start();
  const run: RunContext = { runId: `mw${randomBytes(3).toString("hex")}`, network, startupTimeoutMs: options.startupTimeoutMs ?? 180_000, publish };
  const started = new Map<string, StartedPlanContainer>();
  const stopAll = async () => {
    await removeRunContainers(run.runId);
    await network.stop().catch(() => undefined);
  };

  const t0 = Date.now();
  const starting = new Map<string, Promise<void>>();
  const startOne = async (spec: ContainerSpec): Promise<void> => {
    await Promise.all(spec.dependsOn.map((d) => starting.get(d) ?? Promise.reject(new MeshStartError(`${spec.name} depends on unknown container ${d}`))));
    const image = spec.build ? built[spec.build] : spec.image;
    const container = await new PlanContainer({ ...withSecrets(spec, secrets), image: image ?? spec.image }, run).start();
    started.set(spec.name, { spec, container });
    // The first server writes the ACLs for the cluster (Raft replicates them); agents wait for it.
    if (spec.name === plan.consul.server.container) {
      await applyAcl(
        plan,
        { url: `http://${container.getHost()}:${container.getMappedPort(plan.consul.server.httpPort)}`, token: secrets[plan.consul.acl.managementToken]! },
        secrets,
      );
      log(`  ${spec.name}: ACL policies and tokens created`);
    }
    log(`  ${spec.name} (${spec.role}) healthy at ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };
  // Plan order puts dependencies first, so every dependency's promise exists when needed.
  for (const spec of specs) starting.set(spec.name, startOne(spec));

  const results = await Promise.allSettled(starting.values());
  const failedAt = [...starting.keys()].find((_, i) => results[i]!.status === "rejected");
  if (failedAt !== undefined) {
    const reason = (results[[...starting.keys()].indexOf(failedAt)] as PromiseRejectedResult).reason as Error;
    const spec = specs.find((s) => s.name === failedAt);
    // A probe's health is its app's: name the app and show its logs.
    const culprit = spec?.healthOf ?? failedAt;
    // testcontainers removes a container that never became healthy: its own diagnosis was
    // read before that; another culprit (an app its probe checked) is still there to read.
    const tail = reason instanceof UnhealthyContainerError && culprit === failedAt ? reason.tail : await lastLogLines(run, culprit);
    if (!(options.keepOnFailure ?? process.env.MESHWRIGHT_KEEP_FAILED === "1")) await stopAll();
    const what = culprit === failedAt ? `${failedAt} did not start` : `${culprit} never answered its health check (checked by ${failedAt})`;
    throw new MeshStartError(`mesh ${plan.mesh.name}: ${what}: ${reason.message}${tail ? `\n  last log lines of ${culprit}:\n${tail}` : ""}`, {
      cause: reason,
    });
  }
  log(`mesh ${plan.mesh.name} up: ${started.size} containers in ${((Date.now() - t0) / 1000).toFixed(1)}s (run ${run.runId})`);
  return new StartedMesh(plan, run.runId, network.getName(), started, stopAll, secrets);
}

/** The plan's containers, or only the named ones and what they depend on, in plan order. */
function selected(plan: MeshPlan, only: readonly string[] | undefined): ContainerSpec[] {
  if (!only) return [...plan.containers];
  const byName = new Map(plan.containers.map((c) => [c.name, c]));
  const unknown = only.filter((n) => !byName.has(n));
  if (unknown.length) throw new MeshStartError(`mesh ${plan.mesh.name} has no container ${unknown.join(", ")}; known: ${[...byName.keys()].join(", ")}`);
  const need = new Set<string>();
  const visit = (n: string) => {
    if (need.has(n)) return;
    need.add(n);
    byName.get(n)?.dependsOn.forEach(visit);
  };
  only.forEach(visit);
  return plan.containers.filter((c) => need.has(c.name));
}

async function lastLogLines(run: RunContext, planName: string): Promise<string> {
  try {
    const client = await getContainerRuntimeClient();
    return await diagnosis(client.container.dockerode.getContainer(dockerName(run, planName)));
  } catch {
    return "";
  }
}
