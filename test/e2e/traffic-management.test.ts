/**
 * Traffic management on real sidecars (the mesh of traffic-mesh.ts): every in-mesh route match
 * kind sends its requests to the declared subset and a near miss to the default subset (each
 * route with its control); a prefix rewrite and header edits are what the app sees and the
 * caller gets back; a route to another service reaches it; the same through an ingress; a
 * default subset and only-passing as the caller's Envoy holds them and in traffic, against a
 * service without only-passing; a route's own timeout and retries; outlier detection enforced
 * against detected only; failover through ordered targets, each another service's subset; a
 * split between subsets at its declared shares, with least request inside each subset shunning
 * a slowed instance.
 */
import "../../harness/matchers";
import { degrade, restore } from "../../harness/probes/chaos";
import { catalogHealth } from "../../harness/probes/discovery";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { sampleRateVerdict } from "../../harness/stats";
import { compile } from "../../sdk";
import { MATCH_KINDS, trafficMesh } from "./traffic-mesh";

const plan = compile(trafficMesh());
const ALPHA = 0.001;
const V1 = ["api-1", "api-2"];
/** Two-sided exact binomial p-value of `k` of `n` under a share of one half. */
const halfP = (k: number, n: number) => sampleRateVerdict(k, n, 0.5).pValue;

interface Echo {
  instance: string;
  path: string;
  query?: string;
  headers: { custom?: Record<string, string> };
}

describe("traffic management on real Consul 1.16 and Envoy", () => {
  let running: StartedMesh | undefined;
  const m = () => running!;

  beforeAll(async () => {
    running = await startMesh(plan);
    await waitConverged(running);
  }, 480_000);

  afterAll(async () => {
    await running?.stop();
  });

  describe("in-mesh routes of api: each match kind to subset v2, its near miss to the default subset v1", () => {
    it.each(MATCH_KINDS.map((k) => [k.kind, k] as const))("%s", async (_, k) => {
      const send = (r: { path?: string; headers?: Record<string, string>; method?: string }) =>
        sendTraffic(m(), "client-1", "api", { count: 10, concurrency: 2, ...r });
      const hit = await send(k.hit);
      const miss = await send(k.miss);
      expect(hit.byStatus()).toEqual({ 200: 10 });
      expect(hit.byInstance()).toEqual({ "api-3": 10 });
      expect(miss.byStatus()).toEqual({ 200: 10 });
      expect(Object.keys(miss.byInstance()).every((i) => V1.includes(i))).toBe(true);
    });
  });

  it("rewrites /old/ to /new/ and makes the route's header edits, which the app and the caller see", async () => {
    const r = await m()
      .instance("client-1")
      .call("api", "/old/books?x=1", { headers: { "x-route": "forged", "x-drop-me": "1", "x-added": "zero" } });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body) as Echo;
    expect(echo.instance).toBe("api-3");
    expect(echo.path).toBe("/new/books");
    expect(echo.query).toBe("x=1");
    expect(echo.headers.custom?.["x-route"]).toBe("rewritten");
    expect(echo.headers.custom?.["x-added"]).toBe("zero, one");
    expect(echo.headers.custom?.["x-drop-me"]).toBeUndefined();
    expect(r.headers["x-served-by-route"]).toBe("rewrite");
    // control: a path outside the prefix takes the catch-all, which neither rewrites nor edits
    const plain = await m()
      .instance("client-1")
      .call("api", "/older/books", { headers: { "x-route": "mine" } });
    const control = JSON.parse(plain.body) as Echo;
    expect(control.path).toBe("/older/books");
    expect(control.headers.custom?.["x-route"]).toBe("mine");
    expect(V1).toContain(control.instance);
    expect(plain.headers["x-served-by-route"]).toBeUndefined();
  });

  it("sends /elsewhere/ to the service other through api's router, where other's own rule (a case-insensitive contains) judges the caller", async () => {
    const allowed = await sendTraffic(m(), "client-1", "api", { count: 10, path: "/elsewhere/x", headers: { "x-team": "the-PAYMENTS-team" } });
    expect(allowed.byInstance()).toEqual({ "other-1": 10 });
    const refused = await sendTraffic(m(), "client-1", "api", { count: 10, path: "/elsewhere/x", headers: { "x-team": "the-PYMENTS-team" } });
    expect(refused.byStatus()).toEqual({ 403: 10 });
  });

  it("gives up on /slow/ after the route's 500 ms, while the catch-all waits", async () => {
    const client = m().instance("client-1");
    const slow = await client.call("api", "/slow/x", { headers: { "x-fault-delay-ms": "2000" } });
    expect([slow.status, slow.body.trim()]).toEqual([504, "upstream request timeout"]);
    const control = await client.call("api", "/x", { headers: { "x-fault-delay-ms": "2000" } });
    expect(control.status).toBe(200);
  });

  it("retries a failing /retry/ request twice, as its route says, and a request of a route without retries not at all", async () => {
    const retries = async () => {
      const stats = await m().envoyAdmin("client-1", "/stats?filter=upstream_rq_retry");
      return [...stats.matchAll(/^cluster\.v2\.api\.[^:]*\.upstream_rq_retry: (\d+)$/gm)].reduce((n, x) => n + Number(x[1]), 0);
    };
    const client = m().instance("client-1");
    const before = await retries();
    const failing = await client.call("api", "/retry/x", { headers: { "x-fault-status": "503" } });
    expect(failing.status).toBe(503);
    const afterRetried = await retries();
    expect(afterRetried - before).toBe(2);
    const control = await client.call("api", "/exact", { headers: { "x-fault-status": "503" } });
    expect(control.status).toBe(503);
    expect((await retries()) - afterRetried).toBe(0);
  });

  it("ejects a failing eject instance, while keep (enforcingPercent 0) only detects it and keeps sending", async () => {
    const outlierStats = async (service: string) => {
      const stats = await m().envoyAdmin("client-1", "/stats?filter=outlier_detection");
      const stat = (name: string) => Number(new RegExp(`^cluster\\.${service}\\.[^:]*\\.outlier_detection\\.${name}: (\\d+)$`, "m").exec(stats)?.[1] ?? NaN);
      return { detected: stat("ejections_detected_consecutive_5xx"), enforced: stat("ejections_enforced_total") };
    };
    await degrade(m(), "eject-1", { errorRate: 1, errorStatus: 503 });
    await degrade(m(), "keep-1", { errorRate: 1, errorStatus: 503 });
    try {
      const ejected = await sendTraffic(m(), "client-1", "eject", { count: 40, concurrency: 1 });
      const kept = await sendTraffic(m(), "client-1", "keep", { count: 40, concurrency: 1 });
      // round robin over two: keep-1 answers every other request, 20 in all; eject-1 only until its third failure in a row
      expect(ejected.byStatus()[503] ?? 0).toBeLessThanOrEqual(3);
      expect(kept.byStatus()[503] ?? 0).toBeGreaterThanOrEqual(15);
      const [e, k] = [await outlierStats("eject"), await outlierStats("keep")];
      expect(e.enforced).toBeGreaterThanOrEqual(1);
      expect(k).toEqual({ detected: expect.any(Number) as number, enforced: 0 });
      expect(k.detected).toBeGreaterThanOrEqual(1);
    } finally {
      await restore(m(), "eject-1");
      await restore(m(), "keep-1");
    }
  });

  it("routes through the ingress by header and by path with a rewrite, each with its control", async () => {
    const edge = m().ingress("edge");
    const canary = await edge.request({ host: "shop.test", path: "/x", headers: { "x-canary": "1" } });
    const canaryEcho = JSON.parse(canary.body) as Echo;
    expect([canary.status, canaryEcho.instance, canaryEcho.headers.custom?.["x-route"]]).toEqual([200, "api-3", "edge-canary"]);
    const beta = await edge.request({ host: "shop.test", path: "/beta/list" });
    const betaEcho = JSON.parse(beta.body) as Echo;
    expect([beta.status, betaEcho.instance, betaEcho.path, beta.headers["x-edge"]]).toEqual([200, "api-3", "/list", "beta"]);
    for (let i = 0; i < 6; i++) {
      const plain = await edge.request({ host: "shop.test", path: "/list", headers: { "x-canary": "0" } });
      expect(plain.status).toBe(200);
      expect(V1).toContain((JSON.parse(plain.body) as Echo).instance);
      expect(plain.headers["x-edge"]).toBeUndefined();
    }
  });

  it("holds api's default subset v1 at the caller's Envoy, with v2 as its own cluster", async () => {
    const clusters = JSON.parse(await m().envoyAdmin("client-1", "/clusters?format=json")) as {
      cluster_statuses: { name: string; host_statuses?: unknown[] }[];
    };
    const hosts = (prefix: string) => clusters.cluster_statuses.find((c) => c.name.startsWith(prefix))?.host_statuses?.length;
    expect([hosts("v1.api."), hosts("v2.api.")]).toEqual([2, 1]);
  });

  it("gives every api cluster at the caller's Envoy the resolver's 750 ms connect timeout (Envoy's default is 5 s)", async () => {
    const dump = JSON.parse(await m().envoyAdmin("client-1", "/config_dump?resource=dynamic_active_clusters")) as {
      configs: { cluster: { name: string; connect_timeout?: string } }[];
    };
    const api = dump.configs.map((c) => c.cluster).filter((c) => /^v[12]\.api\./.test(c.name));
    expect(api.map((c) => c.connect_timeout)).toEqual(["0.750s", "0.750s"]);
    const strict = dump.configs.map((c) => c.cluster).find((c) => c.name.startsWith("all.strict."));
    expect(strict?.connect_timeout).toBe("5s");
  });

  it("takes a warning instance out of strict (only passing) at the caller's Envoy and in traffic, but not out of lenient", async () => {
    await degrade(m(), "strict-1", { healthStatus: 429 });
    await degrade(m(), "lenient-1", { healthStatus: 429 });
    try {
      await eventually(
        async () => {
          for (const s of ["strict", "lenient"]) {
            const status = (await catalogHealth(m(), s)).find((i) => i.id === `${s}-1`)?.status;
            if (status !== "warning") throw new Error(`${s}-1 is ${status}, not warning yet`);
          }
        },
        { timeoutMs: 60_000, what: "Consul to mark strict-1 and lenient-1 as warning" },
      );
      await eventually(
        async () => {
          const json = await m().envoyAdmin("client-1", "/clusters?format=json");
          const { cluster_statuses } = JSON.parse(json) as {
            cluster_statuses: { name: string; host_statuses?: { health_status: { eds_health_status: string } }[] }[];
          };
          const healthy = (prefix: string) =>
            cluster_statuses.find((c) => c.name.startsWith(prefix))?.host_statuses?.filter((h) => h.health_status.eds_health_status === "HEALTHY").length;
          expect([healthy("all.strict."), healthy("lenient.")]).toEqual([1, 2]);
        },
        { timeoutMs: 60_000, what: "client-1's Envoy to drop strict-1 (only passing) and keep lenient-1" },
      );
      const strict = await sendTraffic(m(), "client-1", "strict", { count: 60 });
      const lenient = await sendTraffic(m(), "client-1", "lenient", { count: 60 });
      expect(strict.byStatus()).toEqual({ 200: 60 });
      expect(strict.byInstance()["strict-1"]).toBeUndefined();
      // round robin over two: lenient-1 answers about half; none would be chance at p < 1e-17
      expect(lenient.byInstance()["lenient-1"]).toBeGreaterThan(10);
    } finally {
      await restore(m(), "strict-1");
      await restore(m(), "lenient-1");
    }
  });

  it("fails orders over to orders-dr's warm subset, and to its cold one only once warm fails too", async () => {
    const to = async (instance: string, what: string) =>
      eventually(
        async () => {
          const s = await sendTraffic(m(), "client-1", "orders", { count: 5 });
          expect(s.byInstance()).toEqual({ [instance]: 5 });
        },
        { timeoutMs: 90_000, what },
      );
    const before = await sendTraffic(m(), "client-1", "orders", { count: 20 });
    expect(before.byInstance()).toEqual({ "orders-1": 20 });
    await degrade(m(), "orders-1", { healthy: false });
    try {
      await to("orders-dr-1", "orders to fail over to orders-dr's warm subset (orders-dr-1)");
      const warm = await sendTraffic(m(), "client-1", "orders", { count: 40 });
      expect(warm.byStatus()).toEqual({ 200: 40 });
      expect(warm.byInstance()).toEqual({ "orders-dr-1": 40 });
      await degrade(m(), "orders-dr-1", { healthy: false });
      await to("orders-dr-2", "orders to fail over to orders-dr's cold subset (orders-dr-2) once warm fails");
      await restore(m(), "orders-1");
      await to("orders-1", "orders to fail back to orders-1");
    } finally {
      await restore(m(), "orders-1");
      await restore(m(), "orders-dr-1");
    }
  });

  it("splits 50:50 between subsets a and b with each split's header, and least request inside a shuns a slowed instance", async () => {
    await degrade(m(), "split-1", { latencyMs: 150 });
    try {
      const n = 600;
      const sample = await sendTraffic(m(), "client-1", "split", { count: n, concurrency: 8 });
      expect(sample.byStatus()).toEqual({ 200: n });
      const by = sample.byInstance();
      const a = (by["split-1"] ?? 0) + (by["split-2"] ?? 0);
      // the split: subset a's share is 1/2 (two-sided exact binomial test)
      expect(halfP(a, n)).toBeGreaterThan(ALPHA);
      // least request inside a: the slowed split-1 gets significantly less than half of a's requests
      expect(halfP(by["split-1"] ?? 0, a)).toBeLessThan(ALPHA);
      expect(by["split-1"] ?? 0).toBeLessThan(a / 2);
      // control: inside b, nobody is slowed, so neither instance is shunned
      expect(halfP(by["split-3"] ?? 0, n - a)).toBeGreaterThan(ALPHA);
      const one = await m().instance("client-1").call("split", "/who");
      const echo = JSON.parse(one.body) as Echo;
      expect(echo.headers.custom?.["x-split"]).toBe(["split-1", "split-2"].includes(echo.instance) ? "a" : "b");
    } finally {
      await restore(m(), "split-1");
    }
  });
});
