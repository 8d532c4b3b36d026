/** Metrics, logs and traces from every sidecar and gateway. */
export interface TelemetryProps {
  /** Prometheus metrics on every sidecar (`0.0.0.0:20200/metrics`) and a Prometheus server. @default true */
  readonly metrics?: boolean;
  /**
   * Envoy access logs, one JSON line per request on each sidecar's stdout (proxy-defaults
   * `AccessLogs`). Off by default, as in Istio: every line goes through Docker's log driver,
   * and at 1 000 requests per second on a 2-core host that cost the mesh more than a
   * millisecond at the median (bench/mesh). Turn them on to audit or debug requests.
   * @default false
   */
  readonly accessLogs?: boolean;
  /**
   * Zipkin tracing; omitted means off. Zipkin has no authentication: with tracing on, every
   * container on the mesh network can read the traced requests' URLs (query strings
   * included) and write spans. Keep secrets out of URLs (see SECURITY.md).
   */
  readonly tracing?: TracingProps;
  /** Prometheus scrape interval. @default "5s" */
  readonly scrapeInterval?: `${number}${"ms" | "s" | "m"}`;
}

/** Zipkin tracing through Envoy's listener tracing config. */
export interface TracingProps {
  /** Share of requests traced, from 0 to 1. */
  readonly sampleRate: number;
}
