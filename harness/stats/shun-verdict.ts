import binomialCdf from "@stdlib/stats-base-dists-binomial-cdf";

/** A verdict on whether the balancer sent one instance less than its fair share. */
export interface ShunVerdict {
  readonly pass: boolean;
  /** Requests the instance answered, out of `total`. */
  readonly answered: number;
  readonly total: number;
  /** 1/k of the total: what it would get if the balancer ignored how it behaves. */
  readonly fairShare: number;
  /** Probability of this few (or fewer) if every instance had the same chance. */
  readonly pValue: number;
  readonly summary: string;
}

/**
 * Least-request balancing should send fewer requests to a slow instance (it holds more in
 * flight): a one-sided binomial test of its count against a fair 1/k share,
 * P(Binomial(total, 1/k) ≤ answered) < alpha.
 */
export function shunVerdict(observed: Readonly<Record<string, number>>, instance: string, instances: readonly string[], alpha = 0.001): ShunVerdict {
  const total = instances.reduce((n, i) => n + (observed[i] ?? 0), 0);
  const answered = observed[instance] ?? 0;
  const fairShare = total / instances.length;
  const pValue = total ? binomialCdf(answered, total, 1 / instances.length) : 1;
  const pass = total > 0 && pValue < alpha;
  const summary = `${instance} answered ${answered} of ${total}, a fair share is ${fairShare.toFixed(1)} (p=${pValue.toPrecision(3)}: ${pass ? "fewer" : "not fewer"} than fair at ${(1 - alpha) * 100}% confidence)`;
  return { pass, answered, total, fairShare, pValue, summary };
}
