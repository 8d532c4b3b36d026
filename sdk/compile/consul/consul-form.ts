import type { ConfigEntry } from "../../plan";

/**
 * An entry as Consul's API and bootstrap config take it: the `mesh` entry has no `Name`
 * (Consul refuses the key: "invalid config key \"Name\""), though the plan names it `mesh`.
 */
export function consulForm(entry: ConfigEntry): Record<string, unknown> {
  if (entry.Kind !== "mesh") return entry;
  const { Name: _name, ...rest } = entry;
  return rest;
}
