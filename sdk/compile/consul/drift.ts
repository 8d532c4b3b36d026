/**
 * Whether a config entry Consul holds is the one the plan wrote: the one comparison the
 * harness's `waitConverged` and MeshStack's config entry resources (drift in `pulumi preview`)
 * both use. The provider runs it as Pulumi-serialized code, so this module stays
 * self-contained: no import but the `mesh` entry's form, and no Set or Map at module level (the
 * closure serializer turns them into plain objects). Only the fields the plan sets are compared, so Consul's own fields (`CreateIndex`, `ModifyIndex`,
 * `Hash`, an intention source's `Precedence`, ...) and its defaults are not drift. Consul's
 * ways of writing the same value are forgiven: a list of one read back as its element, a
 * zero value left out, a duration read back in nanoseconds or respelt (`1m` as `1m0s`), a
 * number as a string, a key in another case or with underscores. Lists of named objects are
 * matched by `Name`, other lists in order or else in any order. The `mesh` entry is compared
 * without the `Name` Consul refuses.
 */
import type { ConfigEntry } from "../../plan";
import { consulForm } from "./consul-form";

/** Top-level fields Consul adds to the entries it returns. */
const CONSUL_OWN_FIELDS: readonly string[] = [
  "CreateIndex",
  "ModifyIndex",
  "Hash",
  "Partition",
  "Namespace",
  "Meta",
  "CreatedAt",
  "UpdatedAt",
  "Precedence",
  "LegacyID",
  "LegacyMeta",
  "LegacyCreateTime",
  "LegacyUpdateTime",
  "Type",
  "Peer",
  "SamenessGroup",
];

/** Where a live config entry differs from the planned one, one line each; empty when it is the same. */
export function entryDrift(planned: ConfigEntry, live: Readonly<Record<string, unknown>> | undefined): string[] {
  const where = `${planned.Kind}/${planned.Name}`;
  if (!live) return [`${where}: missing from Consul`];
  return diff(consulForm(planned), live, where, true);
}

function diff(want: unknown, got: unknown, path: string, top = false): string[] {
  if (want === undefined || want === null) return [];
  if (Array.isArray(want)) {
    if (want.length === 0 && (got === undefined || got === null || (Array.isArray(got) && got.length === 0))) return [];
    if (!Array.isArray(got)) return want.length === 1 ? diff(want[0], got, `${path}[0]`) : [mismatch(path, want, got)];
    if (want.length !== got.length) return [`${path}: ${want.length} items in the plan, ${got.length} in Consul`];
    if (want.every(isNamed) && got.every(isNamed))
      return want.flatMap((w) => {
        const match = got.find((g) => g.Name === w.Name);
        return match ? diff(w, match, `${path}[${w.Name}]`) : [`${path}[${w.Name}]: missing in Consul`];
      });
    const inOrder = want.flatMap((w, i) => diff(w, got[i], `${path}[${i}]`));
    return inOrder.length === 0 || inAnyOrder(want, got) ? [] : inOrder;
  }
  if (isObject(want)) {
    if (!isObject(got)) return isZero(want) && got === undefined ? [] : [mismatch(path, want, got)];
    const keys = Object.keys(got);
    return Object.entries(want)
      .filter(([k]) => !(top && CONSUL_OWN_FIELDS.includes(k)))
      .flatMap(([k, v]) => {
        const liveKey = k in got ? k : keys.find((g) => keyOf(g) === keyOf(k));
        return diff(v, liveKey === undefined ? undefined : got[liveKey], `${path}.${k}`);
      });
  }
  return samePrimitive(want, got) ? [] : [mismatch(path, want, got)];
}

function inAnyOrder(want: readonly unknown[], got: readonly unknown[]): boolean {
  const unused = [...got];
  for (const w of want) {
    const at = unused.findIndex((g) => diff(w, g, "").length === 0);
    if (at < 0) return false;
    unused.splice(at, 1);
  }
  return true;
}

function samePrimitive(want: unknown, got: unknown): boolean {
  if (want === got) return true;
  if (got === undefined || got === null) return isZero(want);
  if (typeof want === "string" && typeof got === "string") {
    const ms = durationNs(want);
    return ms !== undefined && ms === durationNs(got);
  }
  if (typeof want === "string" && typeof got === "number") return durationNs(want) === got || (want.trim() !== "" && Number(want) === got);
  if (typeof want === "number" && typeof got === "string") return got.trim() !== "" && Number(got) === want;
  if (typeof want === "boolean" && typeof got === "string") return String(want) === got;
  return false;
}

/** Values Consul leaves out of its answer. */
function isZero(v: unknown): boolean {
  return v === false || v === 0 || v === "" || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNamed(x: unknown): x is { Name: string } {
  return isObject(x) && typeof x.Name === "string";
}

function keyOf(key: string): string {
  return key.replace(/_/g, "").toLowerCase();
}

function mismatch(path: string, want: unknown, got: unknown): string {
  return `${path}: ${show(want)} in the plan, ${show(got)} in Consul`;
}

function show(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? "nothing" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A Go duration string (`1m30s`, `5s`, `500ms`) in nanoseconds; undefined when it is not one. */
export function durationNs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) return undefined;
  const unit = (u: string) => (u === "ns" ? 1 : u === "us" || u === "µs" ? 1e3 : u === "ms" ? 1e6 : u === "s" ? 1e9 : u === "m" ? 60e9 : 3600e9);
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit(p[2]!), 0);
}
