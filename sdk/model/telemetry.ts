/** Metrics, logs and traces from every sidecar and gateway. */
export interface TelemetryProps {
  /** Prometheus metrics on every sidecar (`0.0.0.0:20200/metrics`) and a Prometheus server. @default true */
  readonly metrics?: boolean;
  /** Envoy access logs to stdout (proxy-defaults `AccessLogs`). @default true */
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
