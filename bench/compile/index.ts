/**
 * Compile time and heap for meshes of 10, 100 and 1,000 services (target, issue 13: 1,000
 * services in at most 100 ms median and 100 MB of heap).
 *
 *   npx tsx bench/compile/index.ts            # prints a table, writes bench/results/compile.json
 *
 * Heap is measured from a full GC before each run (the benchmark turns `gc()` on itself), so
 * neither the mesh nor the modules count: `planMB` is the heap the plan holds (after a full GC
 * with the plan alive), `heapPeakMB` the most heap a run had in use when it returned (the
 * plan and its garbage not yet collected), a lower bound of its peak when a GC ran mid-run.
 *
 * Each mesh is a chain of services (service i calls i+1 and i+2) with two instances each,
 * retries, outlier detection, an L7 JWT rule per call, a Keycloak realm and an ingress: the
 * shape of the shop example, repeated.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { compile, Mesh, type MeshPlan, type Service } from "../../sdk";

const SIZES = [10, 100, 1000];
const RUNS: Record<number, number> = { 10: 50, 100: 20, 1000: 10 };

function buildMesh(size: number): Mesh {
  const mesh = new Mesh(`bench-${size}`, { identity: { scopes: ["call"], users: [{ username: "alice" }] } });
  const services: Service[] = [];
  for (let i = size - 1; i >= 0; i--) {
    const upstreams = [services[services.length - 1], services[services.length - 2]].filter((s): s is Service => s !== undefined);
    services.push(
      mesh.service(`svc-${i}`, {
        instances: [{ weight: 2 }, { subset: "backup" }],
        failover: { subset: "backup" },
        upstreams,
        resilience: { retries: { attempts: 2 }, outlierDetection: { consecutive5xx: 3 } },
        loadBalancing: i % 2 ? { policy: "least_request" } : { policy: "ring_hash", hashPolicies: [{ sourceIp: true }] },
        identity: { scopes: ["call"] },
      }),
    );
  }
  for (const caller of services) {
    for (const target of services) {
      if (caller.props.upstreams?.includes(target)) target.allow(caller, { paths: ["/api"], scopes: ["call"] });
    }
  }
  const front = services[services.length - 1];
  if (front) mesh.ingress("edge", { listeners: [{ port: 8080, routes: [{ service: front }] }] });
  return mesh;
}

interface Row {
  services: number;
  containers: number;
  configEntries: number;
  planBytes: number;
  runs: number;
  medianMs: number;
  minMs: number;
  planMB: number;
  heapPeakMB: number;
}

/** V8's full GC, made callable without `node --expose-gc`. */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const gc = exposeGc();
const heapUsed = () => process.memoryUsage().heapUsed;

/** One timed compile from a collected heap, with the heap it left and the heap its plan holds. */
function run(mesh: Mesh): { ms: number; heapPeak: number; planHeap: number; plan: MeshPlan } {
  gc();
  const idle = heapUsed();
  const start = process.hrtime.bigint();
  const plan = compile(mesh);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const heapPeak = heapUsed() - idle;
  gc();
  // the plan is returned, so it is alive here
  return { ms, heapPeak, planHeap: heapUsed() - idle, plan };
}

function measure(size: number): Row {
  const mesh = buildMesh(size);
  compile(mesh); // warm up
  const runs = Array.from({ length: RUNS[size] ?? 3 }, () => {
    const { plan: _plan, ...stats } = run(mesh);
    return stats;
  });
  const plan = compile(mesh);
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  return {
    services: size,
    containers: plan.containers.length,
    configEntries: plan.consul.configEntries.length,
    planBytes: JSON.stringify(plan).length,
    runs: times.length,
    medianMs: round(times[Math.floor(times.length / 2)] ?? 0),
    minMs: round(times[0] ?? 0),
    planMB: round(Math.max(...runs.map((r) => r.planHeap)) / 2 ** 20),
    heapPeakMB: round(Math.max(...runs.map((r) => r.heapPeak)) / 2 ** 20),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const rows = SIZES.map(measure);
console.log(`meshwright compile benchmark (node ${process.version})`);
console.table(rows);
const out = join(__dirname, "..", "results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "compile.json"), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`);
console.log(`wrote ${join("bench", "results", "compile.json")}`);
