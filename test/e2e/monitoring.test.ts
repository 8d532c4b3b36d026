/**
 * Monitoring on real containers: Prometheus finds and scrapes every sidecar and app through
 * Consul, and the request counts it holds per instance are exactly the traffic the probe
 * sent — on the callee side per instance, and on the caller side for the upstream.
 */
import { eventually } from "../../harness/probes/eventually";
import { promByLabel, scrapeTargets } from "../../harness/probes/metrics";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh } from "../../sdk";

const mesh = new Mesh("observe");
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

  it("scrapes every sidecar and every app it discovers through Consul", async () => {
    const instances = ["backend-1", "backend-2", "client-1"];
    const targets = await eventually(
      async () => {
        const t = await scrapeTargets(running!);
        const up = (job: string) => t.filter((x) => x.job === job && x.health === "up").map((x) => x.instance).sort();
        if (up("envoy").join() !== instances.join() || up("apps").join() !== instances.join()) throw new Error(JSON.stringify(t));
        return t;
      },
      { what: "every sidecar and app scraped and up", timeoutMs: 90_000 },
    );
    expect(targets.filter((t) => t.health !== "up")).toEqual([]);
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
        if (JSON.stringify(d.inbound) !== JSON.stringify(sent) || d.outbound !== 200) throw new Error(`Prometheus has ${JSON.stringify(d)}, probe sent ${JSON.stringify(sent)}`);
        return d;
      },
      { what: "Prometheus to hold the probe's traffic", timeoutMs: 60_000 },
    );
    expect(deltas).toEqual({ inbound: sent, outbound: 200 });
  });
});
