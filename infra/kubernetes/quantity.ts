/**
 * Kubernetes resource quantities (`2`, `500m`, `8Gi`, `123456Ki`, `1e3`, `1G`), read exactly:
 * decimal digits and a power of ten or two, never a floating-point product, so `0.1` CPU is
 * 100 millicores and not 101.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)$/;

/** A quantity as an exact fraction: `digits × 10^pow10 × 2^pow2`, negative when `negative`. */
interface Exact {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly pow10: number;
  readonly pow2: number;
}

/**
 * A quantity in its base unit (cores, bytes), rounded up to a whole number as Kubernetes'
 * `Quantity.Value()` does: `"8Gi"` → 8589934592, `"1e3"` → 1000, `"500m"` → 1.
 * Throws a RangeError naming the text when it is not a quantity.
 */
export function quantityValue(quantity: string): number {
  return scaledUp(parse(quantity), 0);
}

/**
 * A quantity in thousandths of its base unit, rounded up as Kubernetes' `Quantity.MilliValue()`
 * does: CPU in millicores (`"2"` → 2000, `"500m"` → 500, `"0.1"` → 100, `"1u"` → 1).
 * Throws a RangeError naming the text when it is not a quantity.
 */
export function quantityMilliValue(quantity: string): number {
  return scaledUp(parse(quantity), 3);
}

function parse(text: string): Exact {
  const m = QUANTITY.exec(text.trim());
  const suffix = m?.[3] ?? "";
  const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
  const pow2 = BINARY[suffix];
  const pow10 = exponent ? Number(exponent[1]) : DECIMAL[suffix];
  // Kubernetes' own quantities stay within 10^±18; a wider exponent is a typo, not a size.
  if (!m || (pow2 === undefined && pow10 === undefined) || Math.abs(pow10 ?? 0) > 64)
    throw new RangeError(
      `"${text}" is not a Kubernetes quantity: expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei; n, u, m, k, M, G, T, P, E; or an exponent such as e3)`,
    );
  const [whole = "", fraction = ""] = m[2]!.split(".");
  return {
    negative: m[1] === "-",
    digits: BigInt(`${whole}${fraction}` || "0"),
    pow10: (pow10 ?? 0) - fraction.length,
    pow2: pow2 ?? 0,
  };
}

/** The exact value times 10^`scale`, rounded up (toward +∞). */
function scaledUp(q: Exact, scale: number): number {
  const p = q.pow10 + scale;
  let numerator = q.digits * 10n ** BigInt(Math.max(0, p)) * 2n ** BigInt(q.pow2);
  const denominator = 10n ** BigInt(Math.max(0, -p));
  if (q.negative) numerator = -numerator;
  let result = numerator / denominator;
  if (numerator % denominator !== 0n && numerator > 0n) result += 1n;
  return Number(result);
}
