import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";

/** Outcome of Pearson's chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  /** Pearson's statistic, Σ (observed − expected)² / expected. */
  readonly statistic: number;
  /** Degrees of freedom: categories − 1. */
  readonly df: number;
  /** Probability of a statistic at least this large if the expected proportions are true. */
  readonly pValue: number;
  /** Expected counts for the observed total. */
  readonly expected: readonly number[];
}

/**
 * Pearson's chi-square goodness of fit of `observed` counts against `proportions`
 * (any non-negative weights; normalized here).
 */
export function chiSquareTest(observed: readonly number[], proportions: readonly number[]): ChiSquareResult {
  if (observed.length !== proportions.length || observed.length < 2)
    throw new RangeError(`need ≥ 2 categories and one proportion per count (got ${observed.length} counts, ${proportions.length} proportions)`);
  const total = observed.reduce((a, b) => a + b, 0);
  const weight = proportions.reduce((a, b) => a + b, 0);
  if (total <= 0 || weight <= 0) throw new RangeError("counts and proportions must each sum to more than zero");
  const expected = proportions.map((p) => (total * p) / weight);
  const statistic = observed.reduce((sum, o, i) => sum + (expected[i]! === 0 ? (o === 0 ? 0 : Infinity) : (o - expected[i]!) ** 2 / expected[i]!), 0);
  const df = observed.length - 1;
  return { statistic, df, pValue: statistic === Infinity ? 0 : 1 - chisquareCdf(statistic, df), expected };
}

/**
 * Probability that the test rejects at level `alpha` when the true proportions differ from
 * the tested ones by Cohen's effect size `w`, with `n` samples. Uses Patnaik's approximation
 * of the noncentral chi-square by a scaled central one (noncentrality λ = n·w²).
 */
export function chiSquarePower(n: number, w: number, df: number, alpha: number): number {
  const critical = chiSquareQuantile(1 - alpha, df);
  const lambda = n * w * w;
  const c = (df + 2 * lambda) / (df + lambda);
  const h = (df + lambda) ** 2 / (df + 2 * lambda);
  return 1 - chisquareCdf(critical / c, h);
}

/** The smallest sample size that detects effect size `w` with `power` at level `alpha`. */
export function chiSquareSampleSize(opts: { categories: number; effectSize: number; alpha: number; power: number }): number {
  const df = opts.categories - 1;
  let lo = 2;
  let hi = 2;
  while (chiSquarePower(hi, opts.effectSize, df, opts.alpha) < opts.power) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (chiSquarePower(mid, opts.effectSize, df, opts.alpha) >= opts.power) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/** The value below which a chi-square variable with `df` degrees of freedom falls with probability `p`. */
export function chiSquareQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = Math.max(1, df);
  while (chisquareCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (chisquareCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
