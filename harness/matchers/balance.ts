import { TrafficSample } from "../probes/traffic";
import { activeReport } from "../report/active-report";
import { weightsVerdict, type BalanceVerdict, type VerdictOptions } from "../stats/balance-verdict";
import { roundRobinVerdict } from "../stats/round-robin-verdict";
import { shunVerdict } from "../stats/shun-verdict";
import { stickinessVerdict } from "../stats/stickiness-verdict";

/** Requests per instance, by instance id. */
export type Counts = Readonly<Record<string, number>>;

function countsOf(received: unknown): Counts {
  if (received instanceof TrafficSample) return received.byInstance();
  if (received && typeof received === "object") return received as Counts;
  throw new TypeError(`expected a TrafficSample or per-instance counts, got ${typeof received}`);
}

/** Records a weights verdict into the active report, if any; what the assertion claimed depends on `.not`. */
function record(context: { readonly isNot?: boolean } | void, verdict: BalanceVerdict): void {
  activeReport()?.addBalance(verdict, { claim: context?.isNot ? "differs" : "fits" });
}

/**
 * Jest matchers with statistical verdicts. Register once with `expect.extend(balanceMatchers)`
 * (harness/matchers/index.ts does it on import).
 */
export const balanceMatchers = {
  /** The spread over instances is consistent with `weights` (chi-square, stated confidence). Recorded in the active report. */
  toMatchWeights(this: { readonly isNot?: boolean } | void, received: unknown, weights: Counts, options?: VerdictOptions) {
    const v = weightsVerdict(countsOf(received), weights, options);
    record(this, v);
    return { pass: v.pass, message: () => `expected the spread ${v.pass ? "not " : ""}to match the weights: ${v.summary}` };
  },
  /** Each key's requests (key → sample or counts) went to one instance, and keys spread over `instances`. */
  toBeSticky(received: Readonly<Record<string, unknown>>, instances: readonly string[], alpha?: number) {
    const answers = Object.fromEntries(Object.entries(received).map(([k, v]) => [k, countsOf(v)]));
    const v = stickinessVerdict(answers, instances, alpha);
    return { pass: v.pass, message: () => `expected ${v.pass ? "no " : ""}sticky, spread affinity: ${v.summary}` };
  },
  /** Requests sent one at a time took `instances` in turn: far fewer repeats than random picking makes. */
  toBeRoundRobin(received: unknown, instances: readonly string[], alpha?: number) {
    if (!(received instanceof TrafficSample)) throw new TypeError("toBeRoundRobin needs a TrafficSample (the order of answers matters)");
    const v = roundRobinVerdict(
      received.results.map((r) => r.instance),
      instances,
      alpha,
    );
    return { pass: v.pass, message: () => `expected ${v.pass ? "no " : ""}round robin: ${v.summary}` };
  },
  /** `instance` got fewer requests than a fair share of `instances` (one-sided binomial test). */
  toShun(received: unknown, instance: string, instances: readonly string[], alpha?: number) {
    const v = shunVerdict(countsOf(received), instance, instances, alpha);
    return { pass: v.pass, message: () => `expected the balancer ${v.pass ? "not " : ""}to shun ${instance}: ${v.summary}` };
  },
  /** The spread over `instances` is consistent with uniform. Recorded in the active report. */
  toBeUniform(this: { readonly isNot?: boolean } | void, received: unknown, instances: readonly string[], options?: VerdictOptions) {
    const v = weightsVerdict(countsOf(received), Object.fromEntries(instances.map((i) => [i, 1])), options);
    record(this, v);
    return { pass: v.pass, message: () => `expected the spread ${v.pass ? "not " : ""}to be uniform: ${v.summary}` };
  },
};
