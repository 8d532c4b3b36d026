/**
 * Whether what Consul holds is what the plan wrote. Runs inside the provider plugin as
 * serialized code: pure, no imports.
 *
 * Only the fields the plan sets are compared: Consul adds its own (`CreateIndex`,
 * `ModifyIndex`, `Hash`, an intention source's `Precedence` and `Type`, empty `Meta`, the
 * `default` partition and namespace) and leaves out empty ones. Consul decodes weakly and
 * answers in its own spelling, so values are compared after normalizing: durations by length
 * (`1m` is `1m0s`), numbers and numeric strings by value, keys without case or underscores
 * (`max_ejection_percent` is `MaxEjectionPercent`). Lists must have the same length; their
 * items are matched in order, or else in any order (Consul sorts intention sources by
 * precedence).
 */

/** Paths (`Sources[0].Action`) where `live` differs from `planned`; empty when it is the same. */
export function differences(planned: unknown, live: unknown, path = ""): string[] {
  if (isEmpty(planned)) return [];
  if (live === undefined || live === null) return [path || "(all)"];
  if (Array.isArray(planned)) {
    if (!Array.isArray(live) || live.length !== planned.length) return [path || "(all)"];
    const inOrder = planned.flatMap((p, i) => differences(p, live[i], `${path}[${i}]`));
    if (inOrder.length === 0 || matchesInAnyOrder(planned, live)) return [];
    return inOrder;
  }
  if (isObject(planned)) {
    if (!isObject(live)) return [path || "(all)"];
    const liveKeys = new Map(Object.keys(live).map((k) => [keyOf(k), k]));
    return Object.entries(planned).flatMap(([key, value]) => {
      const liveKey = liveKeys.get(keyOf(key));
      const at = path ? `${path}.${key}` : key;
      if (liveKey === undefined) return isEmpty(value) || isDefaultScope(key, value) ? [] : [at];
      return differences(value, live[liveKey], at);
    });
  }
  return samePrimitive(planned, live) ? [] : [path || "(all)"];
}

/** The live value is what the plan wrote (see {@link differences}). */
export function samePlanned(planned: unknown, live: unknown): boolean {
  return differences(planned, live).length === 0;
}

function matchesInAnyOrder(planned: readonly unknown[], live: readonly unknown[]): boolean {
  const unused = [...live];
  for (const p of planned) {
    const at = unused.findIndex((l) => differences(p, l).length === 0);
    if (at < 0) return false;
    unused.splice(at, 1);
  }
  return true;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Values Consul leaves out of its answer. */
function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

/** OSS Consul leaves the default partition and namespace out. */
function isDefaultScope(key: string, value: unknown): boolean {
  return /^(partition|namespace)$/i.test(key) && value === "default";
}

function keyOf(key: string): string {
  return key.replace(/_/g, "").toLowerCase();
}

function samePrimitive(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "string" && typeof b === "string") {
    const da = durationMs(a);
    return da !== undefined && da === durationMs(b);
  }
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b) && String(b).trim() !== "" && String(a).trim() !== "";
  if (typeof a === "boolean" || typeof b === "boolean") return String(a) === String(b);
  return false;
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration string (`1m30s`, `500ms`) in milliseconds; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}
