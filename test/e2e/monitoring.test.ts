/**
 * Monitoring on real containers: Prometheus finds and scrapes every sidecar and app through
 * Consul (over HTTPS, with its own read-only Consul token: the catalog is closed to anonymous
 * readers), and the Consul server's own metrics with that token; the request counts it holds per instance are exactly the traffic the probe
 * sent — on the callee side per instance, and on the caller side for the upstream; the
 * sidecars' access logs carry each of those requests; Consul reports the failure a stopped
 * instance causes, and its recovery.
 */
import { randomUUID } from "node:crypto";
import { accessLog } from "../../harness/probes/access-log";
import { inflict } from "../../harness/probes/chaos";
import { catalogHealth } from "../../harness/probes/discovery";
import { eventually } from "../../harness/probes/eventually";
import { promByLabel, scrapeTargets } from "../../harness/probes/metrics";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh } from "../../sdk";

const mesh = new Mesh("observe", { telemetry: { accessLogs: true } });
const backend = mesh.service("backend", { instances: 2 });
const client = mesh.service("client", { upstreams: [backend] });
backend.allow(client);

const INBOUND = 'sum by (instance) (envoy_http_downstream_rq_total{job="envoy", service="backend", envoy_http_conn_manager_prefix="public_listener"})';
// Consul tags upstream cluster stats with the destination service.
const OUTBOUND = 'sum by (instance) (envoy_cluster_upstream_rq_total{job="envoy", instance="client-1", consul_destination_service="backend"})';

describe("monitoring of the observe mesh", () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("scrapes every sidecar, every app and the Consul server, finding them through Consul with its token", async () => {
    const instances = ["backend-1", "backend-2", "client-1"];
    const targets = await eventually(
      async () => {
        const t = await scrapeTargets(running!);
        const up = (job: string) =>
          t
            .filter((x) => x.job === job && x.health === "up")
            .map((x) => x.instance)
            .sort();
        if (up("envoy").join() !== instances.join() || up("apps").join() !== instances.join() || up("consul").length !== 1) throw new Error(JSON.stringify(t));
        return t;
      },
      { what: "every sidecar, app and the Consul server scraped and up", timeoutMs: 90_000 },
    );
    expect(targets.filter((t) => t.health !== "up")).toEqual([]);
    // The Consul server's metrics need the token too; they are there.
    expect((await running!.prometheus.query('up{job="consul"}')).map((s) => s.value)).toEqual([1]);
    // Without a token, Consul's catalog shows nothing: discovery above worked through the token.
    const anonymous = (await (await fetch(`${running!.consul.url()}/v1/catalog/services`)).json()) as Record<string, unknown>;
    expect(Object.keys(anonymous).filter((s) => s !== "consul")).toEqual([]);
  });

  it("counts exactly the requests the probe sent, per answering instance and at the caller", async () => {
    const inboundBefore = await promByLabel(running!, INBOUND, "instance");
    const outboundBefore = await promByLabel(running!, OUTBOUND, "instance");
    const sample = await sendTraffic(running!, "client-1", "backend", { count: 200 });
    const sent = sample.byInstance();
    expect(Object.values(sent).reduce((a, b) => a + b, 0)).toBe(200);
    const deltas = await eventually(
      async () => {
        const inbound = await promByLabel(running!, INBOUND, "instance");
        const outbound = await promByLabel(running!, OUTBOUND, "instance");
        const d = {
          inbound: Object.fromEntries(Object.keys(sent).map((i) => [i, (inbound[i] ?? 0) - (inboundBefore[i] ?? 0)])),
          outbound: (outbound["client-1"] ?? 0) - (outboundBefore["client-1"] ?? 0),
        };
        if (JSON.stringify(d.inbound) !== JSON.stringify(sent) || d.outbound !== 200)
          throw new Error(`Prometheus has ${JSON.stringify(d)}, probe sent ${JSON.stringify(sent)}`);
        return d;
      },
      { what: "Prometheus to hold the probe's traffic", timeoutMs: 60_000 },
    );
    expect(deltas).toEqual({ inbound: sent, outbound: 200 });
  });

  it("logs every request the probe sent in the caller's and the answering instances' access logs", async () => {
    const path = `/probe-${randomUUID()}`;
    const sample = await sendTraffic(running!, "client-1", "backend", { count: 50, path });
    const sent = sample.byInstance();
    const logged = async (instance: string, cluster: (c: string | null) => boolean) =>
      (await accessLog(running!, instance)).filter((e) => e.path === path && e.response_code === 200 && cluster(e.upstream_cluster)).length;
    const counts = await eventually(
      async () => {
        const c = {
          caller: await logged("client-1", (c) => c?.startsWith("backend.") ?? false),
          ...Object.fromEntries(await Promise.all(Object.keys(sent).map(async (i) => [i, await logged(i, (c) => c === "local_app")]))),
        };
        if (c.caller !== 50 || Object.keys(sent).some((i) => c[i] !== sent[i])) throw new Error(`logged ${JSON.stringify(c)}, sent ${JSON.stringify(sent)}`);
        return c;
      },
      { what: "the access logs to carry the probe's requests", timeoutMs: 15_000 },
    );
    expect(counts).toEqual({ caller: 50, ...sent });
  });

  it("shows in Consul the failure a stopped instance causes, and its recovery", async () => {
    const status = async () => Object.fromEntries((await catalogHealth(running!, "backend")).map((i) => [i.id, i.status]));
    expect(await status()).toEqual({ "backend-1": "passing", "backend-2": "passing" });
    await inflict(running!, "backend-2-app", "stop");
    try {
      await eventually(
        async () => {
          const s = await status();
          if (s["backend-2"] !== "critical") throw new Error(JSON.stringify(s));
        },
        { what: "Consul to mark backend-2 critical", timeoutMs: 60_000 },
      );
      expect(await status()).toEqual({ "backend-1": "passing", "backend-2": "critical" });
    } finally {
      await inflict(running!, "backend-2-app", "start");
    }
    await eventually(
      async () => {
        const s = await status();
        if (s["backend-2"] !== "passing") throw new Error(JSON.stringify(s));
      },
      { what: "Consul to mark backend-2 passing again", timeoutMs: 60_000 },
    );
  });
});
