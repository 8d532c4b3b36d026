import binomialCdf from "@stdlib/stats-base-dists-binomial-cdf";

/** A verdict on whether a share of sampled (traced) requests fits a declared sample rate. */
export interface SampleRateVerdict {
  readonly pass: boolean;
  /** Requests that were sampled, out of `total`. */
  readonly sampled: number;
  readonly total: number;
  /** The declared rate, from 0 to 1. */
  readonly rate: number;
  /** Two-sided p-value of `sampled` under Binomial(total, rate). */
  readonly pValue: number;
  readonly summary: string;
}

/**
 * An exact two-sided binomial test: does `sampled` of `total` fit Binomial(total, rate)? The
 * verdict passes unless the count is so far from `rate × total` that it happens with
 * probability below `alpha` (2 × the smaller tail, capped at 1). A rate of 0 or 1 passes
 * only on exactly 0 or all.
 */
export function sampleRateVerdict(sampled: number, total: number, rate: number, alpha = 0.001): SampleRateVerdict {
  const lower = binomialCdf(sampled, total, rate);
  const upper = sampled === 0 ? 1 : 1 - binomialCdf(sampled - 1, total, rate);
  const pValue = total ? Math.min(1, 2 * Math.min(lower, upper)) : 0;
  const pass = total > 0 && pValue >= alpha;
  const expected = rate * total;
  const summary = `${sampled} of ${total} requests sampled (${((100 * sampled) / Math.max(total, 1)).toFixed(1)}%), ${expected.toFixed(1)} expected at rate ${rate} (p=${pValue.toPrecision(3)}: ${pass ? "consistent with" : "not"} the rate at ${(1 - alpha) * 100}% confidence)`;
  return { pass, sampled, total, rate, pValue, summary };
}
