import type { StartedMesh } from "../realize/started-mesh";
import { activeReport, chaosMarksBetween } from "../report/active-report";

/** What to send, from where. */
export interface TrafficOptions {
  /** Requests to send. */
  readonly count: number;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /**
   * Pace: request i starts no earlier than i/qps seconds into the batch, so the batch lasts
   * count/qps seconds however fast the machine is (a fault can be placed in it). Unpaced when
   * absent.
   */
  readonly qps?: number;
  /** Path on the upstream. @default "/" */
  readonly path?: string;
  /** @default "GET" */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
}

/** One request's outcome. */
export interface TrafficResult {
  readonly status: number;
  /** The instance that answered (absent when Envoy answered, e.g. 503 or 403). */
  readonly instance?: string;
  /** When the request started, in ms after the batch began. */
  readonly startMs: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** The outcome of a batch of requests. */
export class TrafficSample {
  constructor(
    /** Where the requests came from and went to. */
    readonly from: string,
    readonly upstream: string,
    readonly results: readonly TrafficResult[],
  ) {}

  /** Requests answered (with 2xx) per instance. */
  byInstance(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.results) if (r.instance && r.status >= 200 && r.status < 300) out[r.instance] = (out[r.instance] ?? 0) + 1;
    return out;
  }

  /** Requests per status code (0 = no HTTP answer). */
  byStatus(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const r of this.results) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  }

  /** Latency percentile in milliseconds (p in 0..100). */
  latencyMs(p: number): number {
    const sorted = this.results.map((r) => r.latencyMs).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  }
}

/** One result line of `workload load`. */
interface LoadResult extends Omit<TrafficResult, "instance"> {
  readonly instance?: string;
  /** `x-meshwright-endpoint`: the answering sidecar's address, stamped by Envoy. */
  readonly endpoint?: string;
}

/**
 * Sends `count` requests from an instance to one of its upstreams through its sidecar, in one
 * `docker exec` of the instance's probe (`workload load` against the upstream's local
 * listener, keep-alive on). Who answered each request comes from the `x-meshwright-endpoint`
 * header the answering sidecar stamps (mapped to its instance), so it works for any app; the
 * workload's own answer names it too. With a report active, a batch that a fault or heal
 * (`inflict`, `degrade`) landed in is recorded as a chaos timeline, on the clock of the call
 * (the batch's own starts a few tens of ms later).
 */
export async function sendTraffic(mesh: StartedMesh, fromInstance: string, upstream: string, options: TrafficOptions): Promise<TrafficSample> {
  const from = mesh.instance(fromInstance);
  const url = `${from.upstreamUrl(upstream)}${(options.path ?? "/").startsWith("/") ? (options.path ?? "/") : `/${options.path}`}`;
  const args = [
    "workload",
    "load",
    url,
    "-n",
    String(options.count),
    "-c",
    String(options.concurrency ?? 8),
    ...(options.qps ? ["-q", String(options.qps)] : []),
    "-X",
    options.method ?? "GET",
    "--timeout-ms",
    String(options.timeoutMs ?? 10_000),
  ];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push("-H", `${k}: ${v}`);
  const calledAt = Date.now();
  const r = await from.exec(args);
  if (r.exitCode !== 0) throw new Error(`traffic from ${fromInstance} to ${upstream}: workload load exited ${r.exitCode}: ${r.stderr.slice(0, 300)}`);
  const sample = new TrafficSample(fromInstance, upstream, await attribute(mesh, (JSON.parse(r.stdout) as { results: LoadResult[] }).results));
  const marks = activeReport() ? chaosMarksBetween(calledAt, Date.now()) : [];
  if (marks.length)
    activeReport()!.addChaosTimeline(sample.results, marks, { title: `${fromInstance} → ${upstream}: ${marks.map((m) => m.label).join(", ")}` });
  return sample;
}

/** Each result with the instance that answered, preferring the sidecar's stamp to the app's word. */
export async function attribute(mesh: StartedMesh, results: readonly LoadResult[]): Promise<TrafficResult[]> {
  const out: TrafficResult[] = [];
  for (const { endpoint, instance, ...rest } of results) {
    const byEndpoint = endpoint ? await mesh.instanceAt(endpoint) : undefined;
    const who = byEndpoint ?? instance;
    out.push({ ...rest, ...(who ? { instance: who } : {}) });
  }
  return out;
}
