/**
 * CPU and memory of containers and of the host over a measured interval, from the cgroup
 * counters Docker reports (cumulative CPU nanoseconds, memory working set) and /proc/stat.
 */
import { readFileSync } from "node:fs";
import type Dockerode from "dockerode";

/** Cores used on average over the interval, and memory at its end (MiB). */
export interface Usage {
  readonly cores: number;
  readonly memMiB: number;
}

interface Reading {
  readonly at: number;
  readonly cpuNs: Map<string, number>;
  readonly memBytes: Map<string, number>;
  readonly hostBusy: number;
  readonly hostTotal: number;
}

interface Stats {
  cpu_stats: { cpu_usage: { total_usage: number } };
  memory_stats: { usage?: number; stats?: Record<string, number> };
}

function hostJiffies(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** Samples named containers' counters; `since(earlier)` gives each one's use in between. */
export class UsageMeter {
  constructor(
    private readonly docker: Dockerode,
    /** Label → container id. */
    private readonly containers: ReadonlyMap<string, string>,
  ) {}

  async read(): Promise<Reading> {
    const cpuNs = new Map<string, number>();
    const memBytes = new Map<string, number>();
    await Promise.all(
      [...this.containers].map(async ([label, id]) => {
        const s = (await this.docker.getContainer(id).stats({ stream: false, "one-shot": true } as { stream: false })) as unknown as Stats;
        cpuNs.set(label, s.cpu_stats.cpu_usage.total_usage);
        const inactive = s.memory_stats.stats?.["inactive_file"] ?? s.memory_stats.stats?.["total_inactive_file"] ?? 0;
        memBytes.set(label, (s.memory_stats.usage ?? 0) - inactive);
      }),
    );
    const host = hostJiffies();
    return { at: Date.now(), cpuNs, memBytes, hostBusy: host.busy, hostTotal: host.total };
  }

  /** Each container's use between two readings, plus `host` (busy share of all cores × cores). */
  static between(a: Reading, b: Reading, hostCores: number): Record<string, Usage> {
    const seconds = (b.at - a.at) / 1000;
    const out: Record<string, Usage> = {};
    for (const [label, ns] of b.cpuNs) {
      out[label] = { cores: round((ns - (a.cpuNs.get(label) ?? ns)) / 1e9 / seconds), memMiB: round((b.memBytes.get(label) ?? 0) / 2 ** 20) };
    }
    out["host"] = { cores: round(((b.hostBusy - a.hostBusy) / (b.hostTotal - a.hostTotal)) * hostCores), memMiB: 0 };
    return out;
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
