/** The settings that decide what a silent fault costs the callers of a service. */
export interface SilentFaultSettings {
  /** Requests the callers keep in flight at once. */
  readonly concurrency: number;
  /**
   * The route's request timeout: a try that gets no answer fails after this long, and is not
   * retried (Envoy's route timeout covers every try when the service sets no
   * `retries.perTryTimeout`; with one, a silent fault is retried like a loud one).
   */
  readonly requestTimeoutMs: number;
  /** Consecutive failures (timeouts count as 5xx) after which outlier detection ejects the instance. */
  readonly consecutive5xx: number;
  /** How long the first ejection lasts; Envoy multiplies it by the ejections in a row. */
  readonly baseEjectionTimeMs: number;
}

/** A verdict on the failed requests a silent fault caused, against what the settings allow. */
export interface SilentFaultVerdict {
  readonly pass: boolean;
  readonly failed: number;
  /** The most failures the settings allow over the window. */
  readonly maxFailed: number;
  /** Most times the instance can be in the balancer's rotation during the window. */
  readonly admissions: number;
  /** Most failures one admission can cost. */
  readonly perAdmission: number;
  readonly summary: string;
}

/**
 * What a silent fault (an instance that hangs, is paused, or is cut off the network, so
 * requests to it get no answer at all) may cost over `windowMs` of steady load after it
 * begins, and whether `failed` stays within it.
 *
 * Nothing answers, so a request on the instance fails only at the request timeout T, and
 * with c requests in flight every caller soon waits on it. Outlier detection ejects it at the
 * k-th failure (k = consecutive5xx). Until the ejection reaches the balancer, the requests on
 * the instance are at most those k, the c − 1 others still waiting on it then, and one more
 * for each caller freed before the balancer hears of the ejection (c; it hears within far
 * less than T, so none of them gets a second): k + 2c − 1 per admission. The ejection lasts
 * the base ejection time B times the ejections in a row (Envoy's outlier detection), after
 * which Envoy puts the instance back — nothing told it the instance is still dead — and the
 * next wave costs as much again. Admission j + 1 so begins no earlier than
 * Σ_{i≤j} (T + i·B) after the fault. (Consul marking the instance critical only ever ends
 * this sooner.) The failures therefore grow with how long the load runs after the fault —
 * on a busy machine, longer — and a fixed bound is wrong either way.
 */
export function silentFaultVerdict(failed: number, windowMs: number, s: SilentFaultSettings): SilentFaultVerdict {
  let admissions = 1;
  for (let next = s.requestTimeoutMs + s.baseEjectionTimeMs; next <= windowMs; next += s.requestTimeoutMs + admissions * s.baseEjectionTimeMs) admissions++;
  const perAdmission = s.consecutive5xx + 2 * s.concurrency - 1;
  const maxFailed = admissions * perAdmission;
  const pass = failed <= maxFailed;
  const summary =
    `${failed} failed in ${(windowMs / 1000).toFixed(1)} s of load after the fault; the settings allow ${maxFailed}: ` +
    `${admissions} admission${admissions === 1 ? "" : "s"} of the dead instance in that time × ${perAdmission} ` +
    `(${s.consecutive5xx} to eject it + ${s.concurrency - 1} still waiting on it + ${s.concurrency} freed before the balancer hears)`;
  return { pass, failed, maxFailed, admissions, perAdmission, summary };
}
