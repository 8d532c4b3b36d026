/** The settings that decide what a silent fault costs the callers of a service. */
export interface SilentFaultSettings {
  /** Requests the callers keep in flight at once. */
  readonly concurrency: number;
  /**
   * The route's request timeout: a try that gets no answer fails after this long, and is not
   * retried (Envoy's route timeout covers every try; Consul 1.16 has no per-try timeout).
   */
  readonly requestTimeoutMs: number;
  /** Consecutive failures (timeouts count as 5xx) after which outlier detection ejects the instance. */
  readonly consecutive5xx: number;
  /** How long the first ejection lasts; Envoy multiplies it for repeated ejections. */
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
 * Nothing answers, so each request on the instance fails only at the request timeout T. With
 * c requests in flight, every caller soon waits on the instance: c failures arrive about T
 * after the fault, and the first `consecutive5xx` of them eject it. Callers freed by the
 * failures before the ejection may pick it once more each: up to c + consecutive5xx − 1
 * failures per admission. The ejection lasts at least the base ejection time B, after which
 * Envoy puts the instance back (nothing told it the instance is still dead) and the next wave
 * costs as much again. Admission j begins no earlier than (j − 1)(T + B) after the fault, so
 * a window of W allows 1 + ⌊W / (T + B)⌋ admissions. (Consul marking the instance critical
 * only ever shortens this.) The count of failures therefore grows with how long the load runs
 * after the fault — on a busy machine, longer — and a fixed bound is wrong either way: too
 * tight when the load runs slowly, too loose when it runs fast.
 */
export function silentFaultVerdict(failed: number, windowMs: number, s: SilentFaultSettings): SilentFaultVerdict {
  const admissions = 1 + Math.floor(Math.max(0, windowMs) / (s.requestTimeoutMs + s.baseEjectionTimeMs));
  const perAdmission = s.concurrency + s.consecutive5xx - 1;
  const maxFailed = admissions * perAdmission;
  const pass = failed <= maxFailed;
  const summary =
    `${failed} failed in ${(windowMs / 1000).toFixed(1)} s of load after the fault; the settings allow ${maxFailed}: ` +
    `${admissions} admission${admissions === 1 ? "" : "s"} (one per ${s.requestTimeoutMs + s.baseEjectionTimeMs} ms of timeout plus ejection) ` +
    `× ${perAdmission} (${s.concurrency} in flight + ${s.consecutive5xx - 1} before the ejection)`;
  return { pass, failed, maxFailed, admissions, perAdmission, summary };
}
