import type { Duration } from "./duration";

/**
 * How callers treat a slow or failing service. Timeouts and retries compile to the
 * service's `service-router` (L7 only); outlier detection and limits to each caller's
 * `service-defaults` `UpstreamConfig.Overrides`; `connectTimeout` to the `service-resolver`.
 */
export interface Resilience {
  /** Give up on a request after this long (router `RequestTimeout`). HTTP and gRPC only. */
  readonly requestTimeout?: Duration;
  /** Retry failed requests. HTTP and gRPC only. */
  readonly retries?: Retries;
  /** Eject instances that keep failing (Envoy outlier detection). */
  readonly outlierDetection?: OutlierDetection;
  /** Circuit-breaker limits on the caller's connection pool to this service. */
  readonly connectionLimits?: ConnectionLimits;
  /** TCP connect timeout to an instance (resolver `ConnectTimeout`). */
  readonly connectTimeout?: Duration;
}

/** Conditions Envoy retries on (Consul router `RetryOn`). */
export type RetryCondition =
  | "5xx"
  | "gateway-error"
  | "reset"
  | "connect-failure"
  | "envoy-ratelimited"
  | "retriable-4xx"
  | "refused-stream"
  | "cancelled"
  | "deadline-exceeded"
  | "internal"
  | "resource-exhausted"
  | "unavailable";

/** Every {@link RetryCondition}, for validation. */
export const RETRY_CONDITIONS: readonly RetryCondition[] = [
  "5xx",
  "gateway-error",
  "reset",
  "connect-failure",
  "envoy-ratelimited",
  "retriable-4xx",
  "refused-stream",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];

/** Retry policy for requests to a service. */
export interface Retries {
  /** Retries after the first attempt (router `NumRetries`). */
  readonly attempts: number;
  /** Conditions that trigger a retry. @default ["5xx", "connect-failure"] */
  readonly on?: readonly RetryCondition[];
  /** Also retry on these HTTP status codes (router `RetryOnStatusCodes`). */
  readonly onStatusCodes?: readonly number[];
  /**
   * Give up on one try after this long and retry on another instance, within
   * {@link Resilience.requestTimeout} (Envoy's per-try timeout). Without it a try that gets
   * no answer at all (a hung, paused or partitioned instance) runs into the request timeout,
   * which no retry outlives, and the request fails. A try cut off counts as a 504: it is
   * retried when {@link Retries.on} has `"5xx"` or `"gateway-error"`, and it counts towards
   * {@link OutlierDetection.consecutive5xx}. Set it below the request timeout, above the
   * service's slowest healthy answer, and pair it with a
   * {@link Resilience.connectTimeout} no longer than it: a try starts its clock only once it
   * has a connection, so a connection that never opens waits for the connect timeout.
   *
   * A setting of the service's own `resilience.retries`, not of a route: Consul 1.16's router
   * has no per-try timeout, so each caller's sidecar sets Envoy's
   * `x-envoy-upstream-rq-per-try-timeout-ms` on every request it sends through its upstream
   * to the service (a Lua filter, Consul's `builtin/lua` extension).
   */
  readonly perTryTimeout?: Duration;
}

/**
 * Passive health checking (Consul `PassiveHealthCheck`).
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-defaults#upstreamconfig-overrides-passivehealthcheck
 */
export interface OutlierDetection {
  /**
   * Consecutive 5xx responses that eject an instance (`MaxFailures`). Tries that get no answer
   * count too: a connection that fails or times out (503), a try cut off by the per-try or
   * request timeout (504).
   */
  readonly consecutive5xx: number;
  /** How often ejections are evaluated (`Interval`). @default "10s" */
  readonly interval?: Duration;
  /** How long an instance is ejected the first time (`BaseEjectionTime`). @default "30s" */
  readonly baseEjectionTime?: Duration;
  /** Largest share of instances that may be ejected at once, 0–100 (`MaxEjectionPercent`). @default 10 */
  readonly maxEjectionPercent?: number;
  /**
   * Chance, 0–100, that an instance found failing is actually ejected
   * (`EnforcingConsecutive5xx`); lower it to roll outlier detection out gradually.
   * @default 100
   */
  readonly enforcingPercent?: number;
}

/** Circuit breaker thresholds (Consul `UpstreamConfig.Limits`). */
export interface ConnectionLimits {
  /** Concurrent connections to the service (`MaxConnections`). */
  readonly maxConnections?: number;
  /** Requests waiting for a connection (`MaxPendingRequests`). */
  readonly maxPendingRequests?: number;
  /** Concurrent requests (`MaxConcurrentRequests`). */
  readonly maxConcurrentRequests?: number;
}
