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
}

/**
 * Passive health checking (Consul `PassiveHealthCheck`).
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-defaults#upstreamconfig-overrides-passivehealthcheck
 */
export interface OutlierDetection {
  /** Consecutive 5xx responses that eject an instance (`MaxFailures`). */
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
