import { getContainerRuntimeClient } from "testcontainers";

/**
 * Every log line a container has written so far (stdout and stderr), without following,
 * so nothing is left open. Docker multiplexes the two streams in 8-byte-framed chunks.
 */
export async function containerLogs(containerId: string): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const raw = (await client.container.getById(containerId).logs({ follow: false, stdout: true, stderr: true })) as unknown as Buffer;
  return demuxLogs(raw).split("\n");
}

/** The text of a non-TTY container's logs, which Docker frames in 8-byte headers per chunk. */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
