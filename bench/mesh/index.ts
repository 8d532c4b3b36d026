/**
 * bench/mesh: what the mesh costs and how fast it heals, measured side by side in one run.
 * - latency (p50/p99) and throughput of app-to-app calls, direct vs through two sidecars
 * - bring-up time of the shop mesh (start + converge)
 * - failed requests and time to clean traffic after one instance of two is killed (SIGKILL),
 *   with retries and outlier detection and, as the control, without them
 * Prints a table and writes bench/results/mesh.json. `--help` for options.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GenericContainer, Wait } from "testcontainers";
import shop from "../../examples/shop";
import { inflict } from "../../harness/probes/chaos";
import { sendTraffic, TrafficSample } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh, type Resilience } from "../../sdk";

const { values } = parseArgs({
  options: { requests: { type: "string", default: "2000" }, concurrency: { type: "string", default: "8" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("Usage: npx tsx bench/mesh/index.ts [--requests 2000] [--concurrency 8]\nNeeds Docker and `npm run images`.");
  process.exit(0);
}
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);

function stats(sample: TrafficSample, wallMs: number) {
  return {
    p50Ms: sample.latencyMs(50),
    p99Ms: sample.latencyMs(99),
    rps: Math.round((sample.results.length / wallMs) * 1000),
    failed: sample.results.filter((r) => r.status !== 200).length,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t = Date.now();
  const r = await work();
  return [r, Date.now() - t];
}

/** A client and two backend instances, with the given resilience on the backend. */
function pair(name: string, resilience?: Resilience): Mesh {
  const mesh = new Mesh(name, { telemetry: { metrics: false } });
  const backend = mesh.service("backend", {
    instances: 2,
    healthCheck: { kind: "http", path: "/health", interval: "1s", timeout: "1s" },
    ...(resilience ? { resilience } : {}),
  });
  backend.allow(mesh.service("client", { upstreams: [backend] }));
  return mesh;
}

/** Kills backend-1 under load: failed requests in the first 300, and time until traffic is clean again. */
async function recovery(running: StartedMesh): Promise<{ failed: number; cleanAfterMs: number; statuses: Record<number, number> }> {
  const downAt = Date.now();
  await inflict(running, "backend-1-app", "kill");
  const during = await sendTraffic(running, "client-1", "backend", { count: 300, concurrency: 4 });
  let cleanAfterMs = NaN;
  for (let i = 0; i < 120 && Number.isNaN(cleanAfterMs); i++) {
    const s = await sendTraffic(running, "client-1", "backend", { count: 50, concurrency: 4 });
    if (s.results.every((r) => r.status === 200 && r.instance === "backend-2")) cleanAfterMs = Date.now() - downAt;
  }
  return { failed: during.results.filter((r) => r.status !== 200).length, cleanAfterMs, statuses: during.byStatus() };
}

async function main() {
  const rows: Record<string, unknown>[] = [];

  // 1. Latency: direct vs through two sidecars, in the same network, same run.
  const running = await startMesh(
    pair("bench", {
      retries: { attempts: 3, on: ["5xx", "connect-failure"] },
      outlierDetection: { consecutive5xx: 2, interval: "1s", baseEjectionTime: "10s", maxEjectionPercent: 50 },
    }),
  );
  try {
    await waitConverged(running);
    // Direct: the same workload binary as server and client, on the mesh network, no sidecars.
    const server = await new GenericContainer(running.plan.images.workload)
      .withNetworkMode(running.networkName)
      .withNetworkAliases("direct-server")
      .withEnvironment({ SERVICE_NAME: "direct-server", INSTANCE_ID: "direct-server", LISTEN_ADDR: "0.0.0.0:8080" })
      .withLabels({ "io.meshwright.run": running.runId })
      .withWaitStrategy(Wait.forLogMessage(/"msg":"listening"/))
      .start();
    const caller = await new GenericContainer(running.plan.images.workload)
      .withNetworkMode(running.networkName)
      .withCommand(["probe"])
      .withLabels({ "io.meshwright.run": running.runId })
      .start();
    try {
      const [directRaw, directMs] = await timed(() =>
        caller.exec(["workload", "load", "http://direct-server:8080/", "-n", String(requests), "-c", String(concurrency)]),
      );
      if (directRaw.exitCode !== 0) throw new Error(`direct load: workload load exited ${directRaw.exitCode}: ${directRaw.stderr}`);
      const direct = new TrafficSample("direct-client", "direct-server", (JSON.parse(directRaw.stdout) as { results: TrafficSample["results"] }).results);
      const [meshed, meshMs] = await timed(() => sendTraffic(running, "client-1", "backend", { count: requests, concurrency }));
      rows.push({ measure: "app → app, direct", requests, ...stats(direct, directMs) });
      rows.push({ measure: "app → sidecar → sidecar → app", requests, ...stats(meshed, meshMs) });
    } finally {
      await caller.stop();
      await server.stop();
    }

    // 3. Recovery after one of two instances is killed, retries and outlier detection on.
    const r = await recovery(running);
    rows.push({ measure: "one of two instances killed (retries + outlier detection)", requests: 300, failed: r.failed, cleanAfterMs: r.cleanAfterMs });
    console.log(`statuses while one instance was down, with retries: ${JSON.stringify(r.statuses)}`);
  } finally {
    await running.stop();
  }

  // 3b. The control: the same kill with neither retries nor outlier detection.
  const bare = await startMesh(pair("bare"));
  try {
    await waitConverged(bare);
    const r = await recovery(bare);
    rows.push({ measure: "one of two instances killed (no retries, no outlier detection)", requests: 300, failed: r.failed, cleanAfterMs: r.cleanAfterMs });
  } finally {
    await bare.stop();
  }

  // 2. Bring-up of the reference mesh.
  const [shopMesh, upMs] = await timed(() => startMesh(shop));
  try {
    const [, convergeMs] = await timed(() => waitConverged(shopMesh));
    rows.push({ measure: `shop mesh bring-up (${shopMesh.plan.containers.length} containers)`, startMs: upMs, convergedAfterMs: convergeMs });
  } finally {
    await shopMesh.stop();
  }

  console.table(rows);
  const dir = join(__dirname, "..", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "mesh.json"), JSON.stringify({ date: new Date().toISOString(), requests, concurrency, rows }, null, 2));
  console.log(`wrote ${join("bench", "results", "mesh.json")}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
