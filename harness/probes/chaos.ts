import { getContainerRuntimeClient } from "testcontainers";
import type { StartedMesh } from "../realize/started-mesh";

/** Faults a probe can inflict on one container of a running mesh, by its plan name. */
export type ContainerFault = "stop" | "start" | "kill" | "crash" | "pause" | "unpause" | "restart";

/**
 * Inflicts a fault on a container without removing it (testcontainers' `stop()` removes).
 * `kill` (SIGKILL) and `stop` come from Docker, which counts them as an operator's act: the
 * restart policy leaves the container down. `crash` makes a workload exit on its own
 * (`/admin/crash`), which is what the restart policy is for.
 */
export async function inflict(mesh: StartedMesh, planName: string, fault: ContainerFault): Promise<void> {
  const client = await getContainerRuntimeClient();
  const c = client.container.dockerode.getContainer(mesh.container(planName).getId());
  switch (fault) {
    case "stop":
      return void (await c.stop({ t: 1 }));
    case "start":
      return void (await c.start());
    case "crash": {
      const r = await mesh.container(planName).exec(["workload", "ctl", "POST", "/admin/crash"]);
      if (r.exitCode !== 0) throw new Error(`crash ${planName}: ${r.output}`);
      return;
    }
    case "kill":
      return void (await c.kill({ signal: "SIGKILL" }));
    case "pause":
      return void (await c.pause());
    case "unpause":
      return void (await c.unpause());
    case "restart":
      return void (await c.restart({ t: 1 }));
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
