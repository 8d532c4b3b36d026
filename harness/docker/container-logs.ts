import { getContainerRuntimeClient } from "testcontainers";
import { demuxLogs } from "../../toolchain/docker-logs";

export { demuxLogs };

/**
 * Every log line a container has written so far (stdout and stderr), without following,
 * so nothing is left open. Docker multiplexes the two streams in 8-byte-framed chunks.
 */
export async function containerLogs(containerId: string): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const raw = await client.container.getById(containerId).logs({ follow: false, stdout: true, stderr: true });
  return demuxLogs(raw).split("\n");
}
