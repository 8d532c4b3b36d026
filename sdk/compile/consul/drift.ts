import type { ConfigEntry } from "../../plan";
import { consulForm } from "./index";

/** Fields Consul adds to every entry it returns; they are not part of what a plan declares. */
const CONSUL_OWN_FIELDS = new Set([
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
]);

/**
 * Where a config entry as Consul holds it (`live`) differs from the plan's (`planned`): one
 * line per difference, empty when they agree. Only what the plan sets is compared, so
 * Consul's own fields and its defaults for unset fields are not drift. Consul's ways of
 * writing the same value are forgiven: a list of one read back as its element (weak
 * decoding), a zero value left out (`false`, `0`, `""`, `[]`), and a duration such as `"5s"`
 * read back in nanoseconds. Lists of named objects (intention sources, listeners' services)
 * are matched by `Name`, since Consul may store them in another order. A missing entry is one
 * line.
 */
export function entryDrift(planned: ConfigEntry, live: Readonly<Record<string, unknown>> | undefined): string[] {
  if (!live) return [`${planned.Kind}/${planned.Name}: missing from Consul`];
  return diff(consulForm(planned), live, `${planned.Kind}/${planned.Name}`, true);
}

function diff(want: unknown, got: unknown, path: string, top = false): string[] {
  if (Array.isArray(want)) {
    if (want.length === 0 && got === undefined) return [];
    if (!Array.isArray(got)) {
      // weak decoding: [x] comes back as x
      if (want.length === 1) return diff(want[0], got, `${path}[0]`);
      return [`${path}: ${show(want)} in the plan, ${show(got)} in Consul`];
    }
    if (want.length !== got.length) return [`${path}: ${want.length} items in the plan, ${got.length} in Consul`];
    if (want.every(isNamed) && got.every(isNamed)) {
      return want.flatMap((w) => {
        const match = got.find((g) => g.Name === w.Name);
        return match ? diff(w, match, `${path}[${w.Name}]`) : [`${path}[${w.Name}]: missing in Consul`];
      });
    }
    return want.flatMap((w, i) => diff(w, got[i], `${path}[${i}]`));
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return [`${path}: ${show(want)} in the plan, ${show(got)} in Consul`];
    return Object.entries(want as Record<string, unknown>)
      .filter(([k]) => !(top && CONSUL_OWN_FIELDS.has(k)))
      .flatMap(([k, v]) => diff(v, (got as Record<string, unknown>)[k], `${path}.${k}`));
  }
  if (want === got) return [];
  if (got === undefined && (want === false || want === 0 || want === "")) return [];
  if (typeof want === "string" && typeof got === "number" && durationNs(want) === got) return [];
  return [`${path}: ${show(want)} in the plan, ${show(got)} in Consul`];
}

const UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration string (`"1m30s"`, `"5s"`, `"500ms"`) in nanoseconds; undefined if it is not one. */
function durationNs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_NS[p[2]!]!, 0);
}

function isNamed(x: unknown): x is { Name: string } {
  return x !== null && typeof x === "object" && typeof (x as { Name?: unknown }).Name === "string";
}

function show(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? "nothing" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
