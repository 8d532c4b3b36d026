/**
 * Compile time and heap for meshes of 10, 100 and 1,000 services.
 *
 *   npx tsx bench/compile/index.ts            # prints a table, writes bench/results/compile.json
 *   node --expose-gc --import tsx bench/compile/index.ts   # steadier heap numbers
 *
 * Each mesh is a chain of services (service i calls i+1 and i+2) with two instances each,
 * retries, outlier detection, an L7 JWT rule per call, a Keycloak realm and an ingress: the
 * shape of the shop example, repeated.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile, Mesh, type Service } from "../../sdk";

const SIZES = [10, 100, 1000];
const RUNS: Record<number, number> = { 10: 50, 100: 10, 1000: 3 };

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
  heapDeltaMB: number;
  heapUsedMB: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function measure(size: number): Row {
  const mesh = buildMesh(size);
  compile(mesh); // warm up
  const times: number[] = [];
  let plan = compile(mesh);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let peakDelta = 0;
  for (let run = 0; run < (RUNS[size] ?? 3); run++) {
    const start = process.hrtime.bigint();
    plan = compile(mesh);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    peakDelta = Math.max(peakDelta, process.memoryUsage().heapUsed - before);
  }
  times.sort((a, b) => a - b);
  return {
    services: size,
    containers: plan.containers.length,
    configEntries: plan.consul.configEntries.length,
    planBytes: JSON.stringify(plan).length,
    runs: times.length,
    medianMs: round(times[Math.floor(times.length / 2)] ?? 0),
    minMs: round(times[0] ?? 0),
    heapDeltaMB: round(peakDelta / 2 ** 20),
    heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const rows = SIZES.map(measure);
console.log(`meshwright compile benchmark (node ${process.version}${gc ? ", --expose-gc" : ""})`);
console.table(rows);
const out = join(__dirname, "..", "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "compile.json"),
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), gcExposed: Boolean(gc), rows }, null, 2)}\n`,
);
console.log(`wrote ${join("bench", "results", "compile.json")}`);
