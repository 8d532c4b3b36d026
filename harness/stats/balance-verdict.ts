import { chiSquareSampleSize, chiSquareTest } from "./chi-square";

/** How sure a verdict must be, and how small a deviation it must catch. */
export interface VerdictOptions {
  /** Chance of failing a mesh that balances exactly as declared. @default 0.001 */
  readonly alpha?: number;
  /** Smallest deviation to detect, as Cohen's w (0.1 small, 0.3 medium). @default 0.2 */
  readonly effectSize?: number;
  /** Chance of catching a deviation of that size. @default 0.95 */
  readonly power?: number;
}

/** A statistical verdict on how requests were spread, with everything needed to read it. */
export interface BalanceVerdict {
  readonly pass: boolean;
  /** Instance → requests answered. */
  readonly observed: Readonly<Record<string, number>>;
  /** Instance → requests expected under the declared weights. */
  readonly expected: Readonly<Record<string, number>>;
  readonly statistic: number;
  readonly pValue: number;
  /** 1 − alpha: how confident a failing verdict is that the spread is not as declared. */
  readonly confidence: number;
  /** One line a person can act on. */
  readonly summary: string;
}

const DEFAULTS = { alpha: 0.001, effectSize: 0.2, power: 0.95 };

/** Requests to send so a verdict on `categories` instances has the stated confidence and power. */
export function balanceSampleSize(categories: number, options: VerdictOptions = {}): number {
  const o = { ...DEFAULTS, ...options };
  return chiSquareSampleSize({ categories, effectSize: o.effectSize, alpha: o.alpha, power: o.power });
}

/**
 * Whether `observed` counts per instance are consistent with `weights` (instance → weight;
 * equal weights test uniformity). An instance that answered but has no weight fails outright.
 */
export function weightsVerdict(
  observed: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
  options: VerdictOptions = {},
): BalanceVerdict {
  const o = { ...DEFAULTS, ...options };
  const strangers = Object.keys(observed).filter((k) => !(k in weights) && observed[k]! > 0);
  const names = Object.keys(weights).sort();
  const counts = names.map((n) => observed[n] ?? 0);
  const result = chiSquareTest(
    counts,
    names.map((n) => weights[n]!),
  );
  const expected = Object.fromEntries(names.map((n, i) => [n, Math.round(result.expected[i]! * 10) / 10]));
  const pass = strangers.length === 0 && result.pValue >= o.alpha;
  const spread = names.map((n, i) => `${n} ${counts[i]}/${expected[n]}`).join(", ");
  const summary = strangers.length
    ? `answered by instances with no declared weight: ${strangers.join(", ")}`
    : `${pass ? "consistent with" : "not consistent with"} the declared weights at ${(1 - o.alpha) * 100}% confidence (χ²=${result.statistic.toFixed(2)}, df=${result.df}, p=${result.pValue.toPrecision(3)}; observed/expected: ${spread})`;
  return { pass, observed, expected, statistic: result.statistic, pValue: result.pValue, confidence: 1 - o.alpha, summary };
}
