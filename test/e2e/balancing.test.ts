/**
 * Load balancing on real sidecars, judged statistically: requests are spread as the SDK
 * declared (weighted 5:3:1 over three instances; random over three; a header hash that keeps
 * each user on one instance while spreading users), at a stated confidence,
 * with a sample size chosen so a deviation of Cohen's w = 0.2 would be caught 95% of the time.
 * Each verdict is also checked against the wrong declaration, so the test shows it can fail.
 */
import "../../harness/matchers";
import { sendTraffic, type TrafficSample } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { Mesh } from "../../sdk";

const mesh = new Mesh("balance", { telemetry: { metrics: false } });
const weighted = mesh.service("weighted-backend", { instances: [{ weight: 5 }, { weight: 3 }, { weight: 1 }], loadBalancing: { policy: "weighted" } });
const random = mesh.service("random-backend", { instances: 3, loadBalancing: { policy: "random" } });
const hashed = mesh.service("hashed-backend", { instances: 3, loadBalancing: { policy: "ring_hash", hashPolicies: [{ header: "x-user" }] } });
const client = mesh.service("client", { upstreams: [weighted, random, hashed] });
weighted.allow(client);
random.allow(client);
hashed.allow(client);

const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };
const n = balanceSampleSize(3, CONFIDENCE);

describe(`load balancing, ${n} requests per verdict at ${(1 - CONFIDENCE.alpha) * 100}% confidence`, () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("spreads requests over weighted-backend as its 5:3:1 instance weights say", async () => {
    const sample = await sendTraffic(running!, "client-1", "weighted-backend", { count: n });
    expect(sample.byStatus()).toEqual({ 200: n });
    expect(sample).toMatchWeights({ "weighted-backend-1": 5, "weighted-backend-2": 3, "weighted-backend-3": 1 }, CONFIDENCE);
    expect(sample).not.toBeUniform(["weighted-backend-1", "weighted-backend-2", "weighted-backend-3"], CONFIDENCE);
  });

  it("spreads requests over random-backend uniformly at random", async () => {
    const sample = await sendTraffic(running!, "client-1", "random-backend", { count: n });
    expect(sample.byStatus()).toEqual({ 200: n });
    expect(sample).toBeUniform(["random-backend-1", "random-backend-2", "random-backend-3"], CONFIDENCE);
    expect(sample).not.toMatchWeights({ "random-backend-1": 5, "random-backend-2": 3, "random-backend-3": 1 }, CONFIDENCE);
  });

  it("keeps each x-user on one hashed-backend instance and spreads users over all three", async () => {
    const users = Array.from({ length: 45 }, (_, i) => `user-${i}`);
    const byUser: Record<string, TrafficSample> = {};
    for (const u of users) byUser[u] = await sendTraffic(running!, "client-1", "hashed-backend", { count: 10, headers: { "x-user": u } });
    expect(byUser).toBeSticky(["hashed-backend-1", "hashed-backend-2", "hashed-backend-3"]);
    // The same verdict fails without the header: every request then hashes alike or at random.
    const anonymous = { nobody: await sendTraffic(running!, "client-1", "random-backend", { count: 30 }) };
    expect(anonymous).not.toBeSticky(["random-backend-1", "random-backend-2", "random-backend-3"]);
  });
});
