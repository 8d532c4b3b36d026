/**
 * Chaos under steady load on real containers: each fault the harness can inflict — kill,
 * stop, restart, pause, a network disconnect, 5xx and hangs on command — hits one of three
 * pay instances while the caller sends a steady stream. For each the test measures the
 * failed requests and when the last of them ended after the fault (traffic is clean from
 * then on), then heals the instance and waits for it to rejoin the rotation. Prints the
 * table; fails when a fault leaks more failures than the resilience settings allow.
 *
 * What the settings allow differs by kind of fault. A loud one (a refused connection, a 5xx)
 * is retried on another instance at once: a few at most. A silent one (a hang, a pause, a
 * network disconnect) gives no answer, so each caller waiting on it fails at the 1 s request
 * timeout, which no retry outlives; outlier detection then ejects the instance, but only for
 * the base ejection time, after which Envoy takes it back and the next wave fails. So a
 * silent fault's failures grow with how long the load runs after it — longer on a busy
 * machine — and its bound is derived from the settings and that time (silentFaultVerdict).
 */
import { degrade, inflict, restore } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { silentFaultVerdict, type SilentFaultSettings } from "../../harness/stats";
import { Mesh } from "../../sdk";
import { durationMs } from "../../sdk/model/duration";

const CONCURRENCY = 4;
const LOAD = 3000;
const resilience = {
  requestTimeout: "1s",
  retries: { attempts: 3, on: ["5xx", "connect-failure", "reset"] },
  outlierDetection: { consecutive5xx: 2, interval: "1s", baseEjectionTime: "3s", maxEjectionPercent: 50 },
} as const;

const mesh = new Mesh("chaos", { telemetry: { metrics: false } });
const pay = mesh.service("pay", {
  instances: 3,
  healthCheck: { kind: "http", path: "/health", interval: "1s", timeout: "1s" },
  resilience,
});
pay.allow(mesh.service("caller", { upstreams: [pay] }));

const INSTANCES = ["pay-1", "pay-2", "pay-3"];

/** What decides the cost of a silent fault, read from the same settings the mesh declares. */
const SILENT: SilentFaultSettings = {
  concurrency: CONCURRENCY,
  requestTimeoutMs: durationMs(resilience.requestTimeout),
  consecutive5xx: resilience.outlierDetection.consecutive5xx,
  baseEjectionTimeMs: durationMs(resilience.outlierDetection.baseEjectionTime),
};

interface Fault {
  readonly name: string;
  readonly instance: string;
  readonly inflict: (m: StartedMesh) => Promise<void>;
  readonly heal: (m: StartedMesh) => Promise<void>;
  /**
   * Loud faults (refused connections, 5xx) are retried elsewhere and the instance is ejected
   * after 2 failures: none seen, 3 allowed. Silent faults (no answer at all) are judged by
   * silentFaultVerdict over the time the load ran on after the fault.
   */
  readonly maxFailed: number | "silent";
}

const FAULTS: readonly Fault[] = [
  { name: "kill (SIGKILL)", instance: "pay-1", inflict: (m) => inflict(m, "pay-1-app", "kill"), heal: (m) => inflict(m, "pay-1-app", "start"), maxFailed: 3 },
  { name: "stop", instance: "pay-2", inflict: (m) => inflict(m, "pay-2-app", "stop"), heal: (m) => inflict(m, "pay-2-app", "start"), maxFailed: 3 },
  { name: "restart", instance: "pay-3", inflict: (m) => inflict(m, "pay-3-app", "restart"), heal: async () => undefined, maxFailed: 3 },
  {
    name: "5xx on command",
    instance: "pay-1",
    inflict: (m) => degrade(m, "pay-1", { errorRate: 1, errorStatus: 503 }),
    heal: (m) => restore(m, "pay-1"),
    maxFailed: 3,
  },
  { name: "pause", instance: "pay-2", inflict: (m) => inflict(m, "pay-2-app", "pause"), heal: (m) => inflict(m, "pay-2-app", "unpause"), maxFailed: "silent" },
  {
    name: "hang on command",
    instance: "pay-3",
    inflict: (m) => degrade(m, "pay-3", { latencyMs: 60_000 }),
    heal: (m) => restore(m, "pay-3"),
    maxFailed: "silent",
  },
  {
    name: "network disconnect",
    instance: "pay-1",
    inflict: (m) => inflict(m, "pay-1", "disconnect"),
    heal: (m) => inflict(m, "pay-1", "reconnect"),
    maxFailed: "silent",
  },
];

/** Failures that ended within `gapMs` of each other, as [first, last] end times: the waves. */
function waves(ends: readonly number[], gapMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const t of [...ends].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && t - last[1] <= gapMs) last[1] = t;
    else out.push([t, t]);
  }
  return out;
}

/** 50 requests, and who answered them. */
async function batch(m: StartedMesh) {
  const s = await sendTraffic(m, "caller-1", "pay", { count: 50, concurrency: CONCURRENCY, timeoutMs: 5000 });
  return { failed: s.results.filter((r) => r.status !== 200).length, answeredBy: Object.keys(s.byInstance()).sort() };
}

describe("chaos under steady load: pay ×3 behind retries, a 1 s timeout and outlier detection", () => {
  let running: StartedMesh | undefined;
  const rows: Record<string, string | number>[] = [];

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    if (rows.length) console.info(`chaos matrix (steady load: ${LOAD} requests, ${CONCURRENCY} at a time):\n${table(rows)}`);
    await running?.stop();
  });

  it.each(FAULTS.map((f) => [f.name, f] as const))("%s: failures stay within the settings, traffic turns clean, the instance rejoins", async (_, fault) => {
    const m = running!;
    await eventually(
      async () => {
        const b = await batch(m);
        if (b.failed || b.answeredBy.join() !== INSTANCES.join()) throw new Error(JSON.stringify(b));
      },
      { what: "all three instances serving before the fault", timeoutMs: 60_000 },
    );

    const loadCalledAt = Date.now();
    const load = sendTraffic(m, "caller-1", "pay", { count: LOAD, concurrency: CONCURRENCY, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300)); // the fault lands in the middle of the stream
    // When the fault landed on the batch's own clock (startMs); the batch begins a few tens of
    // ms after the call, so recovery times below read short by about that much.
    const faultAtMs = Date.now() - loadCalledAt;
    await fault.inflict(m);
    const during = await load;
    const windowMs = Date.now() - loadCalledAt - faultAtMs;
    const failures = during.results.filter((r) => r.status !== 200);
    const ends = failures.map((r) => r.startMs + r.latencyMs - faultAtMs);
    const cleanAfterMs = failures.length ? Math.max(0, Math.round(Math.max(...ends))) : 0;
    // windowMs: how long the load ran on after the fault, on the test's clock, from just before
    // the fault to the batch's return, after its last request ended (so never too short).
    const silent = fault.maxFailed === "silent" ? silentFaultVerdict(failures.length, windowMs, SILENT) : undefined;
    const maxFailed = silent ? silent.maxFailed : (fault.maxFailed as number);
    await eventually(
      async () => {
        const b = await batch(m);
        if (b.failed) throw new Error(`${b.failed} of 50 failed`);
      },
      { what: `traffic clean after ${fault.name}`, timeoutMs: 60_000 },
    );

    const healedAt = Date.now();
    await fault.heal(m);
    const rejoinedAfterMs = await eventually(
      async () => {
        const b = await batch(m);
        if (b.failed || !b.answeredBy.includes(fault.instance)) throw new Error(JSON.stringify(b));
        return Date.now() - healedAt;
      },
      { what: `${fault.instance} back in rotation after ${fault.name}`, timeoutMs: 90_000 },
    );

    const failureWaves = waves(ends, SILENT.requestTimeoutMs / 2).map(([a, b]) => `${(a / 1000).toFixed(1)}–${(b / 1000).toFixed(1)} s`);
    rows.push({
      fault: fault.name,
      instance: fault.instance,
      failed: `${failures.length}/${LOAD}`,
      allowed: silent ? `${maxFailed} (${silent.admissions}×${silent.perAdmission} over ${(windowMs / 1000).toFixed(1)} s)` : maxFailed,
      "failures ended at (after the fault)": failureWaves.join(", ") || "-",
      "last failure after the fault": `${cleanAfterMs} ms`,
      "rejoined after heal": `${rejoinedAfterMs} ms`,
    });
    if (failures.length > maxFailed)
      throw new Error(
        `${fault.name}: ${failures.length} of ${LOAD} requests failed, the settings allow ${maxFailed}${silent ? ` (${silent.summary})` : ""}; statuses ${JSON.stringify(during.byStatus())}, failures ended at ${failureWaves.join(", ")}`,
      );
    expect(failures.length).toBeLessThanOrEqual(maxFailed);
  });
});

function table(rows: readonly Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  return [cols, ...rows.map((r) => cols.map((c) => String(r[c])))].map((line) => line.map((v, i) => v.padEnd(width[i]!)).join("  ")).join("\n");
}
