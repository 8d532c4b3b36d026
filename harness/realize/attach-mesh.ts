import { getContainerRuntimeClient } from "testcontainers";
import type { MeshPlan } from "../../sdk";
import { AttachedContainer } from "../docker/attached-container";
import { StartedMesh, type StartedPlanContainer } from "./started-mesh";

/** Options for {@link attachMesh}. */
export interface AttachMeshOptions {
  /**
   * Docker container name of each plan container, e.g. a MeshStack's `dockerNames` output.
   * @default each plan name prefixed with `${plan.mesh.name}-` (MeshStack's default)
   */
  readonly dockerNames?: Readonly<Record<string, string>>;
  /**
   * Values of the plan's secrets, as the realizer that started the mesh made them (MeshStack's
   * `secretValues` output). Needed for anything that talks to Consul or Keycloak.
   */
  readonly secrets?: Readonly<Record<string, string>>;
}

/**
 * A mesh that is already running (provisioned by `pulumi up` with MeshStack, say) as a
 * {@link StartedMesh}, so every probe and `waitConverged` work on it as on one from
 * `startMesh`. Fails naming each plan container that is not there or not running.
 * `stop()` on the result removes nothing: the mesh belongs to whoever started it.
 */
export async function attachMesh(plan: MeshPlan, options: AttachMeshOptions = {}): Promise<StartedMesh> {
  const dockerode = (await getContainerRuntimeClient()).container.dockerode;
  const nameOf = (planName: string) => options.dockerNames?.[planName] ?? `${plan.mesh.name}-${planName}`;
  const found = await Promise.all(
    plan.containers.map(async (spec) => {
      const info = await dockerode
        .getContainer(nameOf(spec.name))
        .inspect()
        .catch(() => undefined);
      return { spec, info };
    }),
  );
  const problems = found.flatMap(({ spec, info }) =>
    !info
      ? [`${spec.name}: no container named ${nameOf(spec.name)}`]
      : info.State.Running
        ? []
        : [`${spec.name}: container ${nameOf(spec.name)} is ${info.State.Status}`],
  );
  if (problems.length)
    throw new Error(`cannot attach to mesh ${plan.mesh.name}; is it up (npm start, or pulumi up of your stack)?\n${problems.map((p) => `  ${p}`).join("\n")}`);

  const started = new Map<string, StartedPlanContainer>(
    found.map(({ spec, info }) => [spec.name, { spec, container: new AttachedContainer(dockerode, info!) }]),
  );
  const networks = Object.keys(found.find(({ spec }) => !spec.networkMode)?.info?.NetworkSettings.Networks ?? {});
  return new StartedMesh(plan, `attached:${plan.mesh.name}`, networks[0] ?? "", started, async () => undefined, options.secrets ?? {});
}
