import Docker from "dockerode";
import { demuxLogs } from "../toolchain/docker-logs";
import { STACK_LABEL } from "./container-args";

/** A container of a MeshStack that is not running healthily, with its last log lines. */
export interface FailingContainer {
  /** Docker container name. */
  readonly name: string;
  /** What is wrong: `unhealthy`, `restarting`, `exited (1)`, ... */
  readonly state: string;
  readonly lastLogLines: readonly string[];
}

/**
 * The containers of a MeshStack (by its {@link STACK_LABEL} value, the component's name)
 * that are unhealthy, restarting or not running, with their last log lines. What a failed
 * `pulumi up` is explained with: the provider itself only says "container failed to be in
 * healthy state".
 */
export async function failingContainers(stack: string, lines = 10, docker = new Docker()): Promise<FailingContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${stack}`] } });
  const failing = list.filter((c) => c.State !== "running" || /\((unhealthy|health: starting)\)/.test(c.Status));
  return Promise.all(
    failing.map(async (c) => {
      const raw = (await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return { name: c.Names[0]!.replace(/^\//, ""), state: stateOf(c), lastLogLines: demuxLogs(raw).split("\n").filter(Boolean).slice(-lines) };
    }),
  );
}

/** Containers and networks a MeshStack of this name still has on the engine (`container /x`, `network y`). */
export async function stackLeftovers(stack: string, docker = new Docker()): Promise<string[]> {
  const filters = { label: [`${STACK_LABEL}=${stack}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

/** One paragraph per failing container, for an error message. */
export function describeFailing(list: readonly FailingContainer[]): string {
  return list.map((c) => `container ${c.name} is ${c.state}; its last log lines:\n${c.lastLogLines.map((l) => `    ${l}`).join("\n")}`).join("\n");
}

function stateOf(c: Docker.ContainerInfo): string {
  if (c.State === "running") return /unhealthy/.test(c.Status) ? "unhealthy" : "not healthy yet";
  return c.State === "exited" ? `exited (${c.Status})` : c.State;
}
