import type { StartedMesh } from "../realize/started-mesh";

/** What to send, from where. */
export interface TrafficOptions {
  /** Requests to send. */
  readonly count: number;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
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

/**
 * Sends `count` requests from an instance to one of its upstreams through its sidecar, in one
 * `docker exec`: the instance's workload runs the batch (`POST /admin/load`) and reports who
 * answered each request.
 */
export async function sendTraffic(mesh: StartedMesh, fromInstance: string, upstream: string, options: TrafficOptions): Promise<TrafficSample> {
  const body = JSON.stringify({
    upstream,
    path: options.path ?? "/",
    method: options.method ?? "GET",
    count: options.count,
    concurrency: options.concurrency ?? 8,
    headers: options.headers ?? {},
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  const r = await mesh.httpFrom(fromInstance, "http://127.0.0.1:8080/admin/load", { method: "POST", body, headers: { "content-type": "application/json" }, timeoutMs: 600_000 });
  if (r.status !== 200) throw new Error(`traffic from ${fromInstance} to ${upstream}: workload answered ${r.status ?? `exit ${r.exitCode}`}: ${r.body.slice(0, 300)}`);
  return new TrafficSample(fromInstance, upstream, (JSON.parse(r.body) as { results: TrafficResult[] }).results);
}
