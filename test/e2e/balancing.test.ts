/**
 * Load balancing on real sidecars, judged statistically: requests are spread as the SDK
 * declared (weighted 5:3:1 over three instances; random over three; a header hash that keeps
 * each user on one instance while spreading users), at a stated confidence,
 * with a sample size chosen so a deviation of Cohen's w = 0.2 would be caught 95% of the time;
 * round robin takes instances in turn (far fewer repeats than chance); least request shuns a
 * slowed instance; a source-IP hash keeps each client address on one instance through the
 * ingress. Each verdict is also checked against the wrong declaration, so the test shows it can fail.
 */
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import "../../harness/matchers";
import { degrade, restore } from "../../harness/probes/chaos";
import { attribute, sendTraffic, TrafficSample } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { Mesh } from "../../sdk";

const mesh = new Mesh("balance", { telemetry: { metrics: false } });
const weighted = mesh.service("weighted-backend", { instances: [{ weight: 5 }, { weight: 3 }, { weight: 1 }], loadBalancing: { policy: "weighted" } });
const random = mesh.service("random-backend", { instances: 3, loadBalancing: { policy: "random" } });
const hashed = mesh.service("hashed-backend", { instances: 3, loadBalancing: { policy: "ring_hash", hashPolicies: [{ header: "x-user" }] } });
const turns = mesh.service("rr-backend", { instances: 3, loadBalancing: { policy: "round_robin" } });
const least = mesh.service("lr-backend", { instances: 3, loadBalancing: { policy: "least_request" } });
const byIp = mesh.service("ip-backend", { instances: 3, loadBalancing: { policy: "ring_hash", hashPolicies: [{ sourceIp: true }] } });
const client = mesh.service("client", { upstreams: [weighted, random, hashed, turns, least, byIp] });
for (const backend of [weighted, random, hashed, turns, least, byIp]) backend.allow(client);
mesh.ingress("edge", {
  listeners: [
    {
      port: 8080,
      routes: [
        { host: "ip.local", service: byIp },
        { host: "rr.local", service: turns },
      ],
    },
  ],
});

const three = (name: string) => [1, 2, 3].map((i) => `${name}-${i}`);

const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };
const n = balanceSampleSize(3, CONFIDENCE);

describe(`load balancing, ${n} requests per verdict at ${(1 - CONFIDENCE.alpha) * 100}% confidence`, () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
    // 19 instances of 4 containers each on 2 cores: about 4.5 minutes to start on a busy machine.
  }, 480_000);

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
    // Five users at a time: each batch is a docker exec, which costs seconds on a loaded machine.
    for (let i = 0; i < users.length; i += 5)
      await Promise.all(
        users
          .slice(i, i + 5)
          .map(async (u) => (byUser[u] = await sendTraffic(running!, "client-1", "hashed-backend", { count: 10, headers: { "x-user": u } }))),
      );
    expect(byUser).toBeSticky(["hashed-backend-1", "hashed-backend-2", "hashed-backend-3"]);
    // The same verdict fails without the header: every request then hashes alike or at random.
    const anonymous = { nobody: await sendTraffic(running!, "client-1", "random-backend", { count: 30 }) };
    expect(anonymous).not.toBeSticky(["random-backend-1", "random-backend-2", "random-backend-3"]);
  });

  it("takes rr-backend's instances in turn, which random-backend does not", async () => {
    const inTurn = await sendTraffic(running!, "client-1", "rr-backend", { count: 200, concurrency: 1 });
    expect(inTurn.byStatus()).toEqual({ 200: 200 });
    expect(inTurn).toBeRoundRobin(three("rr-backend"), CONFIDENCE.alpha);
    expect(inTurn).toBeUniform(three("rr-backend"), CONFIDENCE);
    const atRandom = await sendTraffic(running!, "client-1", "random-backend", { count: 200, concurrency: 1 });
    expect(atRandom).not.toBeRoundRobin(three("random-backend"), CONFIDENCE.alpha);
  });

  it("sends a slowed lr-backend instance less than its share, where round robin does not", async () => {
    await degrade(running!, "lr-backend-1", { latencyMs: 100 });
    await degrade(running!, "rr-backend-1", { latencyMs: 100 });
    try {
      const least = await sendTraffic(running!, "client-1", "lr-backend", { count: 600, concurrency: 8 });
      expect(least.byStatus()).toEqual({ 200: 600 });
      expect(least).toShun("lr-backend-1", three("lr-backend"), CONFIDENCE.alpha);
      const inTurn = await sendTraffic(running!, "client-1", "rr-backend", { count: 600, concurrency: 8 });
      expect(inTurn).not.toShun("rr-backend-1", three("rr-backend"), CONFIDENCE.alpha);
    } finally {
      await restore(running!, "lr-backend-1");
      await restore(running!, "rr-backend-1");
    }
  });

  it("keeps each client address on one ip-backend instance through the ingress, and spreads addresses", async () => {
    // Inside the mesh every caller reaches its own sidecar from 127.0.0.1, so a source-IP hash
    // sends all in-mesh traffic to one instance (pinned below); client addresses are real only
    // at the ingress. Nine plain containers on the mesh network stand for nine clients.
    const inMesh = await sendTraffic(running!, "client-1", "ip-backend", { count: 30 });
    expect(Object.keys(inMesh.byInstance())).toHaveLength(1);

    const clients: StartedTestContainer[] = await Promise.all(
      Array.from({ length: 9 }, () =>
        new GenericContainer(running!.plan.images.workload)
          .withNetworkMode(running!.networkName)
          .withCommand(["probe"]) // idle; each batch is a `workload load` exec'd into it
          .withLabels({ "io.meshwright.run": running!.runId }) // removed with the mesh, whatever happens
          .start(),
      ),
    );
    try {
      const gateway = running!.plan.ingresses.find((g) => g.name === "edge")!;
      const viaIngress = async (host: string) =>
        Object.fromEntries(
          await Promise.all(
            clients.map(async (c, i) => {
              const r = await c.exec([
                "workload",
                "load",
                `http://${gateway.name}:${gateway.listeners[0]!.port}/`,
                "-n",
                "10",
                "-c",
                "2",
                "-H",
                `Host: ${host}`,
                "--timeout-ms",
                "10000",
              ]);
              if (r.exitCode !== 0) throw new Error(`outside-${i}: workload load exited ${r.exitCode}: ${r.stderr}`);
              // Who answered: the answering sidecar's x-meshwright-endpoint stamp, as for in-mesh traffic.
              return [
                `client-${i}`,
                new TrafficSample(
                  `outside-${i}`,
                  host,
                  await attribute(running!, (JSON.parse(r.stdout) as { results: Parameters<typeof attribute>[1] }).results),
                ),
              ] as const;
            }),
          ),
        );
      const hashedByIp = await viaIngress("ip.local");
      for (const sample of Object.values(hashedByIp)) expect(sample.byStatus()).toEqual({ 200: 10 });
      expect(hashedByIp).toBeSticky(three("ip-backend"));
      // The same clients through the round-robin route are not sticky: the verdict can fail.
      expect(await viaIngress("rr.local")).not.toBeSticky(three("rr-backend"));
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});
