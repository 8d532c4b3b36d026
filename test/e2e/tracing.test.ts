/**
 * Tracing on real containers: Envoy's Zipkin tracer in the ingress gateway and every sidecar
 * (proxy-defaults' listener tracing and a static `zipkin` cluster) reports to a real Zipkin,
 * and the workload carries the trace context (B3 and W3C) from each inbound request onto the
 * calls it causes. One request through the ingress to user-service to payment-service is one
 * trace of each sidecar's spans, server and client side, linked parent to child, named by
 * the plan; the ingress gateway itself reports no span (Consul 1.16 builds ingress listeners
 * without a tracing config, and offers no extension that could add one: see sdk/README.md);
 * the share of traced requests fits the declared sample rate (an exact binomial verdict, with
 * a control that must fail); with Zipkin down traffic is unaffected and the probe says Zipkin
 * is unreachable, not "no traces".
 */
import { inflict } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { ZipkinUnreachableError, type ZipkinSpan } from "../../harness/roles/zipkin";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { activeReport } from "../../harness/report";
import { sampleRateVerdict } from "../../harness/stats";
import { Mesh } from "../../sdk";

const SAMPLE_RATE = 0.25;
const mesh = new Mesh("traced", { telemetry: { tracing: { sampleRate: SAMPLE_RATE } } });
const payment = mesh.service("payment-service");
const user = mesh.service("user-service", { upstreams: [payment] });
payment.allow(user);
const edge = mesh.ingress("edge", { listeners: [{ port: 8080, routes: [{ service: user }] }] });
void edge;

/** What a request through the ingress tells about its trace: the ids the callee's app saw. */
interface Sent {
  readonly status: number;
  readonly traceId: string;
  readonly sampled: boolean;
}

async function sendThroughIngress(running: StartedMesh, n: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const r = await running.ingress("edge").request({ path: `/call/payment-service/pay?i=${i}` });
    const body = JSON.parse(r.body) as { response?: { headers?: { trace?: Record<string, string> } } };
    const trace = body.response?.headers?.trace ?? {};
    sent.push({ status: r.status, traceId: trace["x-b3-traceid"] ?? "", sampled: trace["x-b3-sampled"] === "1" });
  }
  return sent;
}

/** Waits until Zipkin holds the same set of these traces twice in a row (Envoy flushes spans in batches). */
async function tracesInZipkin(running: StartedMesh, ids: readonly string[]): Promise<Map<string, ZipkinSpan[]>> {
  let last = "";
  return eventually(
    async () => {
      const traces = await running.zipkin.traces({ serviceName: "user-service", lookbackMs: 30 * 60_000, limit: 10_000 });
      const wanted = new Set(ids);
      const found = new Map(traces.filter((t) => t[0] && wanted.has(t[0].traceId)).map((t) => [t[0]!.traceId, t]));
      const key = [...found.entries()]
        .map(([id, spans]) => `${id}:${spans.length}`)
        .sort()
        .join();
      const stable = key === last;
      last = key;
      if (!stable) throw new Error(`Zipkin holds ${found.size} of the ${ids.length} traces, still changing`);
      return found;
    },
    { what: "Zipkin to hold a stable set of the traces", timeoutMs: 90_000, intervalMs: 6_000 },
  );
}

describe("tracing on the traced mesh", () => {
  let running: StartedMesh | undefined;
  let sent: Sent[] = [];
  let traces = new Map<string, ZipkinSpan[]>();

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("traces the declared share of requests: an exact binomial verdict, and a control at twice the rate that must fail", async () => {
    // Warm the connections first: Envoy times a client span oddly while it opens a connection.
    await sendThroughIngress(running!, 20);
    sent = await sendThroughIngress(running!, 400);
    expect(sent.filter((s) => s.status !== 200)).toEqual([]);
    // Every request carried a trace id to the last app, traced or not: the context propagates.
    expect(sent.filter((s) => !/^[0-9a-f]{16,32}$/.test(s.traceId))).toEqual([]);
    traces = await tracesInZipkin(
      running!,
      sent.map((s) => s.traceId),
    );
    const verdict = sampleRateVerdict(traces.size, sent.length, SAMPLE_RATE);
    const control = sampleRateVerdict(traces.size, sent.length, SAMPLE_RATE * 2);
    console.log(`tracing: ${verdict.summary}\ncontrol: ${control.summary}`);
    expect(verdict.pass).toBe(true);
    expect(control.pass).toBe(false);
    // Zipkin holds exactly the requests the first sidecar decided to sample, and the decision
    // reached the last app.
    expect(sent.filter((s) => s.sampled !== traces.has(s.traceId))).toEqual([]);
  });

  it("makes one request one trace: each sidecar's server and client spans, linked parent to child, with the plan's names and consistent times", async () => {
    expect(traces.size).toBeGreaterThan(0);
    const offTime: string[] = [];
    for (const [traceId, spans] of traces) {
      const described = spans.map((s) => `${s.localEndpoint?.serviceName}/${s.kind}`).sort();
      expect({ traceId, spans: described }).toEqual({ traceId, spans: ["payment-service/SERVER", "user-service/CLIENT", "user-service/SERVER"] });
      const by = (service: string, kind: string) => spans.find((s) => s.localEndpoint?.serviceName === service && s.kind === kind)!;
      const chain = [by("user-service", "SERVER"), by("user-service", "CLIENT"), by("payment-service", "SERVER")];
      expect(chain[0]!.parentId).toBeUndefined();
      for (let i = 1; i < chain.length; i++) {
        const [parent, child] = [chain[i - 1]!, chain[i]!];
        expect(child.parentId).toBe(parent.id);
        expect(child.duration!).toBeGreaterThan(0);
        // A child starts while its parent is open (the sidecars share the host's clock).
        const start = child.timestamp! - parent.timestamp!;
        if (start < 0 || start > parent.duration!)
          offTime.push(`${traceId}: ${child.localEndpoint?.serviceName}/${child.kind} starts ${start} µs into a ${parent.duration} µs parent`);
      }
      // The server span is the sidecar's inbound listener, the client span its upstream listener.
      expect(chain[0]!.tags?.["upstream_cluster"]).toBe("local_app");
      expect(chain[1]!.tags?.["upstream_cluster"]).toMatch(/^payment-service\./);
    }
    // Envoy stamps a span's start and measures its duration from event-loop clocks, which on a
    // busy machine now and then disagree by a few ms: of 1500 traces measured here, 5 had a
    // child starting up to 16 ms after its parent's recorded end. So timing is a share, not an
    // absolute: at 0.33% per trace, more than 5% of ~100 traces is a one-in-a-million event,
    // while wrong links or clocks would put most traces out of order.
    if (offTime.length) console.log(`tracing: ${offTime.length} of ${traces.size} traces with a child outside its parent's time:\n${offTime.join("\n")}`);
    expect(offTime.length).toBeLessThanOrEqual(0.05 * traces.size);
    expect(await running!.zipkin.services()).toEqual(["payment-service", "user-service"]);
    activeReport()?.addTraces([...traces.values()], { limit: 3 }); // waterfalls in the run's report, when one is on
  });

  it("keeps serving when Zipkin is down, and the probe says Zipkin is unreachable rather than 'no traces'", async () => {
    const url = running!.zipkin.url();
    await inflict(running!, "zipkin", "stop");
    const during = await sendThroughIngress(running!, 200);
    expect(during.filter((s) => s.status !== 200)).toEqual([]);
    const error = await running!.zipkin.traces().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ZipkinUnreachableError);
    expect(String(error)).toContain(`Zipkin at ${url} is unreachable`);
  });
});
