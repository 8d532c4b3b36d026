import type { MeshPlan } from "../../sdk";
import { publishedUrl, type MeshContainer } from "../realize/mesh-container";

/** A span as Zipkin's API v2 returns it (times in microseconds). */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly kind?: "CLIENT" | "SERVER" | "PRODUCER" | "CONSUMER";
  readonly name?: string;
  /** Start, microseconds since the epoch. */
  readonly timestamp?: number;
  /** Microseconds. */
  readonly duration?: number;
  /** The server side of a span whose id the client side created (Envoy's shared span context). */
  readonly shared?: boolean;
  readonly localEndpoint?: { readonly serviceName?: string; readonly ipv4?: string };
  readonly remoteEndpoint?: { readonly serviceName?: string; readonly ipv4?: string; readonly port?: number };
  readonly tags?: Readonly<Record<string, string>>;
}

/** Zipkin could not be asked: it is down or not reachable, which is not "no traces". */
export class ZipkinUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`Zipkin at ${url} is unreachable: ${cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause)}`);
    this.name = "ZipkinUnreachableError";
  }
}

/** Which traces to list. */
export interface TraceQuery {
  /** Traces with a span of this service (the plan's service or gateway name). */
  readonly serviceName?: string;
  /** Only traces with a span carrying these tags, e.g. `{ "guid:x-request-id": id }`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** How far back, in ms. @default 15 minutes */
  readonly lookbackMs?: number;
  /** @default 1000 */
  readonly limit?: number;
}

/** The mesh's Zipkin, as the test process reaches it: reads traces through Zipkin's API v2. */
export class ZipkinServer {
  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
  ) {}

  /** Base URL from the test process. */
  url(): string {
    const planned = this.plan.zipkin;
    if (!planned) throw new Error(`mesh ${this.plan.mesh.name} has no Zipkin (telemetry.tracing is off)`);
    return publishedUrl(this.container, planned.url);
  }

  /** Service names Zipkin has spans of. */
  services(): Promise<string[]> {
    return this.get<string[]>("/api/v2/services");
  }

  /** Traces matching the query, each a list of spans; throws {@link ZipkinUnreachableError} when Zipkin cannot be asked. */
  traces(query: TraceQuery = {}): Promise<ZipkinSpan[][]> {
    const params = new URLSearchParams({
      limit: String(query.limit ?? 1000),
      lookback: String(query.lookbackMs ?? 15 * 60_000),
      endTs: String(Date.now() + 60_000),
    });
    if (query.serviceName) params.set("serviceName", query.serviceName);
    const tags = Object.entries(query.tags ?? {});
    if (tags.length) params.set("annotationQuery", tags.map(([k, v]) => `${k}=${v}`).join(" and "));
    return this.get<ZipkinSpan[][]>(`/api/v2/traces?${params.toString()}`);
  }

  /** One trace's spans; empty when Zipkin has none with that id. */
  async trace(traceId: string): Promise<ZipkinSpan[]> {
    try {
      return await this.get<ZipkinSpan[]>(`/api/v2/trace/${traceId}`);
    } catch (e) {
      if (e instanceof Error && /HTTP 404/.test(e.message)) return [];
      throw e;
    }
  }

  private async get<T>(path: string): Promise<T> {
    const url = `${this.url()}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new ZipkinUnreachableError(this.url(), e);
    }
    if (!res.ok) throw new Error(`Zipkin ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}
