/**
 * A duration written the way Consul and Envoy read it: a positive whole number followed by
 * `ms`, `s`, `m` or `h` (for example `"250ms"`, `"5s"`, `"1m"`).
 *
 * Durations are validated once, in `validate()`; compilers then copy them verbatim into Go
 * `time.Duration` fields or convert them to milliseconds where a field is named `...Ms`.
 */
export type Duration = `${number}${"ms" | "s" | "m" | "h"}`;

const DURATION = /^([1-9][0-9]*)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds in `value`, or `undefined` when it is not a {@link Duration}. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const unit = match[2] as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

/** Milliseconds in a duration that validation already accepted. */
export function durationMs(value: Duration): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new Error(`internal: unvalidated duration ${String(value)}`);
  return ms;
}
