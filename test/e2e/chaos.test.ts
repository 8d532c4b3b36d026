/**
 * Chaos under steady load on real containers: each fault the harness can inflict — kill,
 * stop, restart, pause, a network disconnect, 5xx and hangs on command — hits one of three
 * pay instances while the caller sends a steady stream. For each the test measures the
 * failed requests and when the last of them ended after the fault (traffic is clean from
 * then on), then heals the instance and waits for it to rejoin the rotation. Prints the
 * table; fails when a fault leaks more failures than the resilience settings allow.
 *
 * The matrix runs with a CPU hog busy on every CPU beside the mesh (a busy CI runner), and
 * the load is paced, so it runs on for the same ~10 s after each fault however fast or busy
 * the machine is: long enough for a hung instance to be ejected, taken back when its
 * ejection ends (its health check still passes) and ejected again.
 *
 * A loud fault (a refused connection, a 5xx) is retried on another instance at once. A
 * silent one (a hang, a pause, a network disconnect) gives no answer; without a per-try
 * timeout each caller waiting on it would fail at the 1 s request timeout, which no retry
 * outlives, wave after wave each time Envoy takes the instance back (silentFaultVerdict
 * bounds that case). With the 250 ms per-try timeout a try that gets no answer is cut off
 * and retried on another instance, and a connection that never opens gives up after the
 * 250 ms connect timeout and is retried; both count as failures of the instance, so outlier
 * detection ejects it after 2. Silent faults are thus held to the loud faults' bound.
 */
import { degrade, inflict, restore } from "../../harness/probes/chaos";
import { startCpuHog, type CpuHog } from "../../harness/probes/cpu-hog";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh } from "../../sdk";
import { durationMs } from "../../sdk/model/duration";

const CONCURRENCY = 4;
const LOAD = 3000;
/** The load's pace: 3000 requests last 10 s on any machine that keeps up with it. */
const QPS = 300;
const resilience = {
  requestTimeout: "1s",
  connectTimeout: "250ms",
  retries: { attempts: 3, on: ["5xx", "connect-failure", "reset"], perTryTimeout: "250ms" },
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

/** Failures that end closer than this to each other are one wave. */
const WAVE_GAP_MS = durationMs(resilience.requestTimeout) / 2;

interface Fault {
  readonly name: string;
  readonly instance: string;
  readonly inflict: (m: StartedMesh) => Promise<void>;
  readonly heal: (m: StartedMesh) => Promise<void>;
  /** Loud: refused connections or 5xx. Silent: no answer at all (cut off by the per-try timeout). */
  readonly kind: "loud" | "silent";
}

/**
 * Failed requests any fault may cost. Every failed try is retried on another instance and
 * the instance is ejected after 2: none seen; a few can slip through when more tries fail at
 * once than Envoy's retry circuit breaker lets retry (3 at a time, a default Consul 1.16
 * does not expose).
 */
const MAX_FAILED = 3;

const FAULTS: readonly Fault[] = [
  { name: "kill (SIGKILL)", instance: "pay-1", inflict: (m) => inflict(m, "pay-1-app", "kill"), heal: (m) => inflict(m, "pay-1-app", "start"), kind: "loud" },
  { name: "stop", instance: "pay-2", inflict: (m) => inflict(m, "pay-2-app", "stop"), heal: (m) => inflict(m, "pay-2-app", "start"), kind: "loud" },
  { name: "restart", instance: "pay-3", inflict: (m) => inflict(m, "pay-3-app", "restart"), heal: async () => undefined, kind: "loud" },
  {
    name: "5xx on command",
    instance: "pay-1",
    inflict: (m) => degrade(m, "pay-1", { errorRate: 1, errorStatus: 503 }),
    heal: (m) => restore(m, "pay-1"),
    kind: "loud",
  },
  { name: "pause", instance: "pay-2", inflict: (m) => inflict(m, "pay-2-app", "pause"), heal: (m) => inflict(m, "pay-2-app", "unpause"), kind: "silent" },
  {
    name: "hang on command",
    instance: "pay-3",
    inflict: (m) => degrade(m, "pay-3", { latencyMs: 60_000 }),
    heal: (m) => restore(m, "pay-3"),
    kind: "silent",
  },
  {
    name: "network disconnect",
    instance: "pay-1",
    inflict: (m) => inflict(m, "pay-1", "disconnect"),
    heal: (m) => inflict(m, "pay-1", "reconnect"),
    kind: "silent",
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

/** Counters of caller-1's Envoy for its pay cluster, by name after the cluster's. */
async function payClusterStats(m: StartedMesh): Promise<Map<string, number>> {
  const text = await m.envoyAdmin("caller-1", "/stats?filter=cluster.pay.");
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^cluster\.pay\.[^:]*?\.consul\.(.+): (\d+)$/.exec(line.trim());
    if (match) out.set(match[1]!, Number(match[2]));
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
  let hog: CpuHog | undefined;
  const rows: Record<string, string | number>[] = [];

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
    // The matrix runs on a saturated machine: detection must not depend on idle CPUs.
    hog = await startCpuHog();
  }, 300_000);

  afterAll(async () => {
    if (rows.length)
      console.info(
        `chaos matrix (steady load: ${LOAD} requests, ${CONCURRENCY} at a time; a CPU hog busy on ${hog?.workers ?? 0} CPUs beside it):\n${table(rows)}`,
      );
    await hog?.stop();
    await running?.stop();
  });

  it("has the caller's sidecar cut each try to pay off at 250 ms, give up on a connection after 250 ms and eject after 2 failures", async () => {
    const listeners = JSON.parse(await running!.envoyAdmin("caller-1", "/config_dump?resource=dynamic_listeners")) as {
      configs: { name: string; active_state?: { listener: { filter_chains: { filters: { typed_config: { http_filters?: unknown[] } }[] }[] } } }[];
    };
    const pay = listeners.configs.find((c) => c.name.startsWith("pay:"));
    const filters = pay?.active_state?.listener.filter_chains[0]?.filters[0]?.typed_config.http_filters ?? [];
    const named = filters as { name: string; typed_config?: { inline_code?: string } }[];
    expect(named.find((f) => f.name === "envoy.filters.http.lua")?.typed_config?.inline_code).toContain('local per_try_ms = {["9001"] = "250"}');
    expect(named.map((f) => f.name)).toEqual(["envoy.filters.http.lua", "envoy.filters.http.router"]);
    const clusters = JSON.parse(await running!.envoyAdmin("caller-1", "/config_dump?resource=dynamic_active_clusters")) as {
      configs: { cluster: { name: string; outlier_detection?: Record<string, unknown>; connect_timeout?: string } }[];
    };
    const cluster = clusters.configs.map((c) => c.cluster).find((c) => c.name.startsWith("pay."));
    expect(cluster?.connect_timeout).toBe("0.250s");
    expect(cluster?.outlier_detection).toMatchObject({ consecutive_5xx: 2, enforcing_consecutive_5xx: 100, base_ejection_time: "3s" });
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

    const statsBefore = await payClusterStats(m);
    const loadCalledAt = Date.now();
    const load = sendTraffic(m, "caller-1", "pay", { count: LOAD, concurrency: CONCURRENCY, qps: QPS, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300)); // the fault lands in the middle of the stream
    // When the fault landed on the batch's own clock (startMs); the batch begins a few tens of
    // ms after the call, so recovery times below read short by about that much.
    const faultAtMs = Date.now() - loadCalledAt;
    await fault.inflict(m);
    const during = await load;
    const statsAfter = await payClusterStats(m);
    const delta = (name: string) => (statsAfter.get(name) ?? 0) - (statsBefore.get(name) ?? 0);
    const windowMs = Date.now() - loadCalledAt - faultAtMs;
    const failures = during.results.filter((r) => r.status !== 200);
    const ends = failures.map((r) => r.startMs + r.latencyMs - faultAtMs);
    const cleanAfterMs = failures.length ? Math.max(0, Math.round(Math.max(...ends))) : 0;
    // windowMs: how long the load ran on after the fault, on the test's clock, from just before
    // the fault to the batch's return, after its last request ended (so never too short).
    const slowest = Math.max(...during.results.filter((r) => r.status === 200).map((r) => r.latencyMs));
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

    const failureWaves = waves(ends, WAVE_GAP_MS).map(([a, b]) => `${(a / 1000).toFixed(1)}–${(b / 1000).toFixed(1)} s`);
    rows.push({
      fault: fault.name,
      instance: fault.instance,
      kind: fault.kind,
      failed: `${failures.length}/${LOAD}`,
      allowed: MAX_FAILED,
      "load after the fault": `${(windowMs / 1000).toFixed(1)} s`,
      "slowest success": `${Math.round(slowest)} ms`,
      "failures ended at (after the fault)": failureWaves.join(", ") || "-",
      "last failure after the fault": `${cleanAfterMs} ms`,
      "rejoined after heal": `${rejoinedAfterMs} ms`,
      // What caller-1's Envoy saw of pay meanwhile: tries cut off, retries, retries refused by
      // the retry circuit breaker, connect failures, ejections.
      envoy: `per-try timeouts ${delta("upstream_rq_per_try_timeout")}, retries ${delta("upstream_rq_retry")}, overflow ${delta("upstream_rq_retry_overflow")}, connect failures ${delta("upstream_cx_connect_fail") + delta("upstream_cx_connect_timeout")}, ejections ${delta("outlier_detection.ejections_enforced_consecutive_5xx")}`,
      statuses: failures.length ? JSON.stringify(Object.fromEntries(Object.entries(during.byStatus()).filter(([k]) => k !== "200"))) : "-",
    });
    if (failures.length > MAX_FAILED)
      throw new Error(
        `${fault.name}: ${failures.length} of ${LOAD} requests failed, the settings allow ${MAX_FAILED}; statuses ${JSON.stringify(during.byStatus())}, failures ended at ${failureWaves.join(", ")}`,
      );
    expect(failures.length).toBeLessThanOrEqual(MAX_FAILED);
  });
});

function table(rows: readonly Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  return [cols, ...rows.map((r) => cols.map((c) => String(r[c])))].map((line) => line.map((v, i) => v.padEnd(width[i]!)).join("  ")).join("\n");
}
