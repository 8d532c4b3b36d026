/**
 * bench/mesh: what the mesh costs and how fast it heals, measured side by side in one run.
 * - fixed-rate latency (fortio, open loop, keep-alive): direct against through two sidecars at
 *   each rate and connection count, plus the closed-loop maximum, with each container's CPU
 *   and memory (cgroup counters) — see latency.ts
 * - failed requests and time to clean traffic after one of two instances is killed, with
 *   retries and outlier detection and, as the control, without them — see heal.ts
 * - bring-up of the shop mesh (start + converge)
 * Prints tables and writes bench/results/mesh.json (SMP-shaped, see smp.ts). `--help` for options.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { MeshProps } from "../../sdk";
import { bringUp, recovery } from "./heal";
import { latencyGrid, sidecarCoresPer1000 } from "./latency";
import { added, smpDocument } from "./smp";

const PARTS = ["latency", "recovery", "bring-up"] as const;
type Part = (typeof PARTS)[number];

const HELP = `Usage: npx tsx bench/mesh [options]

  --only <parts>         comma-separated: ${PARTS.join(", ")} (default: all)
  --qps <list>           fixed rates (default: 100,500,1000)
  --connections <list>   connection counts (default: 2,8)
  --duration <seconds>   length of each cell (default: 30)
  --mesh <json>          mesh-wide options of the measured mesh, e.g. '{"sidecars":{"workers":2}}'
  --out <file>           where to write the JSON (default: bench/results/mesh.json)
  -h, --help             this text

Needs Docker and the images (npm run images; fortio is one of them).`;

const { values } = parseArgs({
  options: {
    only: { type: "string", default: PARTS.join(",") },
    qps: { type: "string", default: "100,500,1000" },
    connections: { type: "string", default: "2,8" },
    duration: { type: "string", default: "30" },
    mesh: { type: "string", default: "{}" },
    out: { type: "string", default: join(__dirname, "..", "results", "mesh.json") },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function numbers(flag: string, text: string): number[] {
  const list = text.split(",").map(Number);
  if (list.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`--${flag} takes positive numbers separated by commas, got "${text}"`);
  return list;
}

async function main() {
  const only = values.only.split(",") as Part[];
  const unknown = only.filter((p) => !PARTS.includes(p));
  if (unknown.length) throw new Error(`--only: unknown part ${unknown.join(", ")}; choose from ${PARTS.join(", ")}`);
  const durationS = numbers("duration", values.duration)[0]!;
  const meshProps = JSON.parse(values.mesh) as MeshProps;
  const out: Record<string, unknown> = { date: new Date().toISOString() };
  const progress = (line: string) => console.log(`[bench/mesh] ${line}`);

  if (only.includes("latency")) {
    const run = await latencyGrid({
      qps: numbers("qps", values.qps),
      connections: numbers("connections", values.connections),
      durationS,
      mesh: meshProps,
      progress,
    });
    console.log(
      `\nEnvoy ${run.envoy.version}, ${run.envoy.workers} worker(s) per sidecar, ${run.hostCores} host cores, mesh options ${JSON.stringify(meshProps)}`,
    );
    console.table(
      run.cells.map((c) => {
        const a = added(c.direct.load, c.mesh.load);
        return {
          QPS: c.qps,
          conns: c.connections,
          "direct p50/p99 ms": `${c.direct.load.latencyMs.p50} / ${c.direct.load.latencyMs.p99}`,
          "mesh p50/p99 ms": `${c.mesh.load.latencyMs.p50} / ${c.mesh.load.latencyMs.p99}`,
          "added p50/p99 ms": `${a.p50} / ${a.p99}`,
          "mesh p90/p99.9 ms": `${c.mesh.load.latencyMs.p90} / ${c.mesh.load.latencyMs.p999}`,
          "achieved direct/mesh": `${c.direct.load.actualQps} / ${c.mesh.load.actualQps}`,
          errors: c.direct.load.errors + c.mesh.load.errors,
          "sidecars cores/1000rps": sidecarCoresPer1000(c),
          "host cores (mesh)": c.mesh.usage["host"]?.cores,
          "body bytes d/m": `${c.direct.load.bodyBytes} / ${c.mesh.load.bodyBytes}`,
        };
      }),
    );
    const idle = run.cells[0]?.mesh.usage;
    if (idle) console.log(`per-container use during the first mesh cell: ${JSON.stringify(idle)}`);
    out["latency"] = smpDocument(run, durationS, { direct: "http://direct-server:8080/health", mesh: "http://127.0.0.1:<upstream>/health" });
  }
  if (only.includes("recovery")) {
    const rows = await recovery();
    console.table(rows.map((r) => ({ measure: r.measure, failed: r.failed, cleanAfterMs: r.cleanAfterMs })));
    out["recovery"] = rows;
  }
  if (only.includes("bring-up")) {
    const b = await bringUp();
    console.table([{ measure: `shop mesh bring-up (${b.containers} containers)`, ...b }]);
    out["bringUp"] = b;
  }
  mkdirSync(join(values.out, ".."), { recursive: true });
  writeFileSync(values.out, JSON.stringify(out, null, 2));
  console.log(`wrote ${values.out}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
