import Docker from "dockerode";
import { demuxLogs } from "../toolchain/docker-logs";
import { HEALTH_OF_LABEL, STACK_LABEL } from "./container-args";

/** A container of a MeshStack that is not running healthily, with what it last said. */
export interface FailingContainer {
  /** Docker container name. */
  readonly name: string;
  /** What is wrong: `unhealthy`, `restarting`, `exited (1)`, ... */
  readonly state: string;
  readonly lastLogLines: readonly string[];
  /** Output of its last health check (`docker inspect` State.Health.Log), when it has one. */
  readonly lastHealthCheck?: string;
  /** The container whose health check reports this one's health (a probe checking its app). */
  readonly checkedBy?: string;
  /** A cause recognised in its logs, e.g. a Consul token that was refused. */
  readonly cause?: string;
}

/** How many log lines are searched for a known cause (more than are shown). */
const CAUSE_LINES = 200;

/**
 * The containers of a MeshStack (by its {@link STACK_LABEL} value, the component's name)
 * that are unhealthy, restarting or not running, with their last log lines, the output of
 * their last health check and a cause recognised in their logs. A probe whose health check
 * fails reports its app (`io.meshwright.health-of`): the app is named, with the app's logs
 * and the probe's health check output. What a failed `pulumi up` is explained with: the
 * provider itself only says "container failed to be in healthy state".
 */
export async function failingContainers(stack: string, lines = 10, docker = new Docker()): Promise<FailingContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${stack}`] } });
  const failing = list.filter((c) => c.State !== "running" || /\((unhealthy|health: starting)\)/.test(c.Status));
  const logsOf = async (id: string) =>
    demuxLogs(await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: CAUSE_LINES, follow: false }))
      .split("\n")
      .filter(Boolean);
  const found = await Promise.all(
    failing.map(async (c): Promise<FailingContainer> => {
      const name = c.Names[0]!.replace(/^\//, "");
      const health = lastHealthOutput(await docker.getContainer(c.Id).inspect());
      const subject = c.Labels?.[HEALTH_OF_LABEL];
      const logs = await logsOf(subject ?? c.Id).catch(() => [] as string[]);
      const cause = knownCause([...logs, ...(health ? [health] : [])]);
      return {
        name: subject ?? name,
        state: subject ? (/unhealthy/.test(c.Status) ? "unhealthy" : "not healthy yet") : stateOf(c),
        lastLogLines: logs.slice(-lines),
        ...(health !== undefined ? { lastHealthCheck: health } : {}),
        ...(subject ? { checkedBy: name } : {}),
        ...(cause ? { cause } : {}),
      };
    }),
  );
  // An app that exited and the probe that checks it: one paragraph.
  const byName = new Map<string, FailingContainer>();
  for (const f of found) {
    const seen = byName.get(f.name);
    byName.set(
      f.name,
      seen ? { ...f, ...seen, ...(seen.checkedBy ? {} : f.checkedBy ? { checkedBy: f.checkedBy, lastHealthCheck: f.lastHealthCheck } : {}) } : f,
    );
  }
  return [...byName.values()];
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
  return list
    .map((c) =>
      [
        `container ${c.name} is ${c.state}${c.checkedBy ? ` (its health check runs in ${c.checkedBy})` : ""}`,
        ...(c.cause ? [`  cause: ${c.cause}`] : []),
        ...(c.lastHealthCheck ? [`  last health check: ${c.lastHealthCheck}`] : []),
        `  its last log lines:`,
        ...c.lastLogLines.map((l) => `    ${l}`),
      ].join("\n"),
    )
    .join("\n");
}

/**
 * A cause recognised in a container's log lines, in words, with the line that shows it; the
 * last such line wins. Consul agents and `consul connect envoy` whose token the server refuses
 * otherwise just restart or stay unhealthy.
 */
export function knownCause(lines: readonly string[]): string | undefined {
  for (const line of [...lines].reverse()) {
    if (/ACL not found/i.test(line)) return `its Consul ACL token was refused (the server does not know it): ${line.trim()}`;
    if (/Permission denied/i.test(line) && /token|ACL|lacks permission/i.test(line)) return `its Consul ACL token lacks a permission: ${line.trim()}`;
    if (/blocked by ACLs/i.test(line)) return `its Consul ACL token was refused: ${line.trim()}`;
  }
  return undefined;
}

/** The trimmed output of a container's last health check; undefined without health checks. */
export function lastHealthOutput(inspect: { State?: { Health?: { Log?: readonly { Output?: string; ExitCode?: number }[] } } }): string | undefined {
  const last = inspect.State?.Health?.Log?.at(-1);
  if (!last) return undefined;
  const output = (last.Output ?? "").trim().split("\n").slice(-5).join(" | ");
  return `exit ${last.ExitCode ?? "?"}${output ? `: ${output}` : ""}`;
}

function stateOf(c: Docker.ContainerInfo): string {
  if (c.State === "running") return /unhealthy/.test(c.Status) ? "unhealthy" : "not healthy yet";
  if (c.State === "restarting") return `restarting (${c.Status})`;
  return c.State === "exited" ? `exited (${c.Status})` : c.State;
}
