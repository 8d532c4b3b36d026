import type { ConfigEntry } from "../../plan";

/** Fields Consul adds to every entry it returns; they are not part of what a plan declares. */
const CONSUL_OWN_FIELDS = new Set(["CreateIndex", "ModifyIndex", "Hash", "Partition", "Namespace", "Meta", "CreatedAt", "UpdatedAt", "Precedence", "LegacyID", "LegacyMeta", "LegacyCreateTime", "LegacyUpdateTime", "Type", "Peer", "SamenessGroup"]);

/**
 * Where a config entry as Consul holds it (`live`) differs from the plan's (`planned`): one
 * line per difference, empty when they agree. Only what the plan sets is compared, so
 * Consul's own fields and its defaults for unset fields are not drift. Consul's weak decoding
 * is forgiven (a list of one read back as its element), and lists of named objects (intention
 * sources, listeners' services) are matched by `Name`, since Consul may store them in
 * another order. A missing entry is one line.
 */
export function entryDrift(planned: ConfigEntry, live: Readonly<Record<string, unknown>> | undefined): string[] {
  if (!live) return [`${planned.Kind}/${planned.Name}: missing from Consul`];
  return diff(planned, live, `${planned.Kind}/${planned.Name}`, true);
}

function diff(want: unknown, got: unknown, path: string, top = false): string[] {
  if (Array.isArray(want)) {
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
  return want === got ? [] : [`${path}: ${show(want)} in the plan, ${show(got)} in Consul`];
}

function isNamed(x: unknown): x is { Name: string } {
  return x !== null && typeof x === "object" && typeof (x as { Name?: unknown }).Name === "string";
}

function show(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? "nothing" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
