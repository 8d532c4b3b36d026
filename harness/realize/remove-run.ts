import { getContainerRuntimeClient } from "testcontainers";
import { RUN_LABEL } from "./plan-container";

/**
 * Force-removes every container labelled with this run, whatever state it is in. A start
 * that fails (a health check that never passes) leaves its container behind in
 * testcontainers; this is what makes "nothing left behind" hold after a failed start.
 */
export async function removeRunContainers(runId: string): Promise<number> {
  const client = await getContainerRuntimeClient();
  const mine = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
  // Namespace-sharing containers first: Docker refuses to remove a namespace owner in use.
  const order = [...mine].sort((a, b) => Number(b.HostConfig.NetworkMode.startsWith("container:")) - Number(a.HostConfig.NetworkMode.startsWith("container:")));
  for (const c of order)
    await client.container.dockerode
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  // Then the run's named volumes (a Consul server's Raft state, Keycloak's database).
  const volumes = (await client.container.dockerode.listVolumes({ filters: { label: [`${RUN_LABEL}=${runId}`] } })).Volumes ?? [];
  for (const v of volumes)
    await client.container.dockerode
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
  return mine.length;
}
