/**
 * Load balancing on real sidecars, judged statistically: requests are spread as the SDK
 * declared (weighted 5:3:1 over three instances; random over three), at a stated confidence,
 * with a sample size chosen so a deviation of Cohen's w = 0.2 would be caught 95% of the time.
 * Each verdict is also checked against the wrong declaration, so the test shows it can fail.
 */
import "../../harness/matchers";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { Mesh } from "../../sdk";

const mesh = new Mesh("balance", { telemetry: { metrics: false } });
const weighted = mesh.service("weighted-backend", { instances: [{ weight: 5 }, { weight: 3 }, { weight: 1 }], loadBalancing: { policy: "weighted" } });
const random = mesh.service("random-backend", { instances: 3, loadBalancing: { policy: "random" } });
const client = mesh.service("client", { upstreams: [weighted, random] });
weighted.allow(client);
random.allow(client);

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
});
