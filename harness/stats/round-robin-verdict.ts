import binomialCdf from "@stdlib/stats-base-dists-binomial-cdf";

/** A verdict on whether requests took instances in turn rather than at random. */
export interface RoundRobinVerdict {
  readonly pass: boolean;
  /** Consecutive requests answered by the same instance. */
  readonly repeats: number;
  /** Consecutive pairs looked at. */
  readonly pairs: number;
  /** Probability of this few repeats if each request picked an instance at random. */
  readonly pValue: number;
  readonly summary: string;
}

/**
 * Round robin gives consecutive requests (sent one at a time) to different instances; picking
 * at random repeats the previous instance with probability 1/k. So few repeats in `sequence`
 * (the answering instance of each request, in order) reject random picking: the p-value is
 * P(Binomial(pairs, 1/k) ≤ repeats). Counts alone cannot tell the two apart at any sample size
 * a test can afford. Every one of `instances` must also have answered.
 */
export function roundRobinVerdict(sequence: readonly (string | undefined)[], instances: readonly string[], alpha = 0.001): RoundRobinVerdict {
  const pairs = Math.max(0, sequence.length - 1);
  let repeats = 0;
  for (let i = 1; i < sequence.length; i++) if (sequence[i] === sequence[i - 1]) repeats++;
  const pValue = pairs ? binomialCdf(repeats, pairs, 1 / instances.length) : 1;
  const missing = instances.filter((i) => !sequence.includes(i));
  const strangers = [...new Set(sequence.filter((s) => !instances.includes(s ?? "")))].map(String);
  const pass = pValue < alpha && missing.length === 0 && strangers.length === 0;
  const summary =
    missing.length || strangers.length
      ? `instances ${missing.length ? `never answering: ${missing.join(", ")}` : ""}${missing.length && strangers.length ? "; " : ""}${strangers.length ? `not declared: ${strangers.join(", ")}` : ""}`
      : `${repeats} of ${pairs} consecutive requests went to the same instance; random picking would repeat about ${(pairs / instances.length).toFixed(0)} (p=${pValue.toPrecision(3)}, ${pValue < alpha ? "taken in turn" : "not distinguishable from random"} at ${(1 - alpha) * 100}% confidence)`;
  return { pass, repeats, pairs, pValue, summary };
}
