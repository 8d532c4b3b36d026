/**
 * Failover on real containers under the SDK's resilience settings: retries hide a primary
 * going down; when every primary is down the backup subset takes over; primaries return
 * when they recover; a crashed app is restarted by its restart policy and rejoins.
 *
 * Envoy treats the backup as a lower priority and spills traffic to it as soon as the
 * primaries' healthy share drops below 1/1.4 (its overprovisioning factor): with one of two
 * primaries down, part of the traffic (30–45% seen) goes to the backup. The tests assert that.
 */
import { inflict, restartCount } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh } from "../../sdk";

const mesh = new Mesh("failover", { telemetry: { metrics: false } });
const pay = mesh.service("pay", {
  instances: [{}, {}, { subset: "backup" }],
  healthCheck: { kind: "http", path: "/health", interval: "1s", timeout: "1s" },
  failover: { subset: "backup" },
  resilience: {
    retries: { attempts: 3, on: ["5xx", "connect-failure"] },
    outlierDetection: { consecutive5xx: 2, interval: "1s", baseEjectionTime: "10s", maxEjectionPercent: 100 },
  },
});
const caller = mesh.service("caller", { upstreams: [pay] });
pay.allow(caller);

/** Sends a batch and says who answered and how many failed. */
async function batch(running: StartedMesh, count = 100) {
  const s = await sendTraffic(running, "caller-1", "pay", { count, concurrency: 4, timeoutMs: 5000 });
  const failed = s.results.filter((r) => r.status !== 200).length;
  return { answeredBy: Object.keys(s.byInstance()).sort(), failed, sample: s };
}

describe("failover of pay (two primaries, one backup) behind retries and outlier detection", () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("serves from the primaries only while they are healthy", async () => {
    const b = await batch(running!);
    expect(b.failed).toBe(0);
    expect(b.answeredBy).toEqual(["pay-1", "pay-2"]);
  });

  it("hides a primary going down behind retries, and is clean again quickly", async () => {
    const downAt = Date.now();
    await inflict(running!, "pay-1-app", "stop");
    const during = await batch(running!, 300);
    const clean = await eventually(
      async () => {
        const b = await batch(running!, 50);
        if (b.failed > 0 || b.answeredBy.includes("pay-1") || !b.answeredBy.includes("pay-2"))
          throw new Error(`failed ${b.failed}, answered by ${b.answeredBy.join(", ")}`);
        return { ms: Date.now() - downAt, b };
      },
      { what: "traffic clean of pay-1", timeoutMs: 60_000 },
    );
    const spilled = clean.b.sample.byInstance()["pay-3"] ?? 0;
    console.info(`pay-1 down: ${during.failed}/300 requests failed right after; clean ${clean.ms} ms after the stop; ${spilled}/50 spilled to the backup`);
    // Outlier detection ejects pay-1 after its second 5xx and, with Envoy's update merge window
    // closed (see APPLY_HEALTH_CHANGES_AT_ONCE), traffic leaves it at once; the few requests in
    // flight on it are retried. With the default 1 s window this was 110 of 300.
    expect(during.failed).toBeLessThanOrEqual(3);
  });

  it("fails over to the backup subset when every primary is down", async () => {
    await inflict(running!, "pay-2-app", "stop");
    const b = await eventually(
      async () => {
        const r = await batch(running!, 50);
        if (r.answeredBy.join() !== "pay-3" || r.failed > 0) throw new Error(`failed ${r.failed}, answered by ${r.answeredBy.join(", ")}`);
        return r;
      },
      { what: "the backup pay-3 to take all traffic", timeoutMs: 60_000 },
    );
    expect(b.answeredBy).toEqual(["pay-3"]);
  });

  it("returns to the primaries when they recover", async () => {
    await inflict(running!, "pay-1-app", "start");
    await inflict(running!, "pay-2-app", "start");
    const b = await eventually(
      async () => {
        const r = await batch(running!, 100);
        if (r.answeredBy.join() !== "pay-1,pay-2" || r.failed > 0) throw new Error(`failed ${r.failed}, answered by ${r.answeredBy.join(", ")}`);
        return r;
      },
      { what: "both primaries back in rotation", timeoutMs: 90_000 },
    );
    expect(b.answeredBy).toEqual(["pay-1", "pay-2"]);
  });

  it("brings a crashed app back through its restart policy, into rotation", async () => {
    const before = await restartCount(running!, "pay-1-app");
    await inflict(running!, "pay-1-app", "crash");
    await eventually(
      async () => {
        if ((await restartCount(running!, "pay-1-app")) <= before) throw new Error("not restarted yet");
        const r = await batch(running!, 100);
        if (!r.answeredBy.includes("pay-1")) throw new Error(`answered by ${r.answeredBy.join(", ")}`);
      },
      { what: "pay-1 restarted by Docker and answering again", timeoutMs: 90_000 },
    );
  });
});
