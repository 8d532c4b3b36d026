/**
 * Whether what Consul holds is what the plan wrote. Runs inside the provider plugin as
 * serialized code: pure, and it imports only the SDK's pure `entryDrift` (which the harness's
 * `waitConverged` uses too, so both realizers call the same things drift).
 *
 * `entryDrift` compares only the fields the plan sets (Consul adds its own: `CreateIndex`,
 * `ModifyIndex`, `Hash`, an intention source's `Precedence`, ...), matches named lists by
 * `Name` and forgives a list of one read back as its element. Consul also answers in its own
 * spelling of what it was given, so the live entry is first aligned with the plan: a duration
 * of the same length (`1m` is read back `1m0s`), a number given as a string or the other way
 * round, a key in another case or with underscores (`max_ejection_percent` is
 * `MaxEjectionPercent`) are taken as the plan's.
 */
import type { ConfigEntry } from "../../sdk/plan";
import { entryDrift } from "../../sdk/compile/consul/drift";

/** Where a live config entry differs from the planned one: one line each; empty when the same. */
export function configEntryDrift(planned: ConfigEntry, live: Readonly<Record<string, unknown>> | undefined): string[] {
  if (!live) return entryDrift(planned, undefined);
  return entryDrift(planned, alignToPlan(planned, live) as Record<string, unknown>);
}

/** `live` with every value that only spells the planned one differently replaced by it. */
export function alignToPlan(planned: unknown, live: unknown): unknown {
  if (Array.isArray(planned)) {
    if (!Array.isArray(live)) return planned.length === 1 ? alignToPlan(planned[0], live) : live;
    const named = planned.every(isNamed) && live.every(isNamed);
    return live.map((l, i) => alignToPlan(named ? planned.find((p) => (p as { Name: string }).Name === (l as { Name: string }).Name) : planned[i], l));
  }
  if (isObject(planned)) {
    if (!isObject(live)) return live;
    const liveKeys = new Map(Object.keys(live).map((k) => [keyOf(k), k]));
    const out: Record<string, unknown> = { ...live };
    for (const [key, value] of Object.entries(planned)) {
      const liveKey = liveKeys.get(keyOf(key));
      if (liveKey === undefined) continue;
      const aligned = alignToPlan(value, live[liveKey]);
      delete out[liveKey];
      out[key] = aligned;
    }
    return out;
  }
  return planned !== undefined && samePrimitive(planned, live) ? planned : live;
}

/** The same names in any order (token policies, identities). */
export function sameNames(planned: readonly string[], live: readonly string[]): boolean {
  return planned.length === live.length && [...planned].sort().join("\0") === [...live].sort().join("\0");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNamed(x: unknown): boolean {
  return isObject(x) && typeof x.Name === "string";
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
  if ((typeof a === "number" && typeof b === "string") || (typeof a === "string" && typeof b === "number"))
    return String(a).trim() !== "" && String(b).trim() !== "" && Number(a) === Number(b);
  if (typeof a === "boolean" && typeof b === "string") return String(a) === b;
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
