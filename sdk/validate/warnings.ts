import type { MeshSpec } from "../model/spec";
import type { PlanWarning } from "../plan";
import { at } from "./issues";

/**
 * What a valid mesh does that its author probably did not mean, each with a path and a fix.
 * Realizers print these; they never stop a mesh.
 */
export function warnings(mesh: MeshSpec): PlanWarning[] {
  const out: PlanWarning[] = [];
  const byName = new Map(mesh.services.map((s) => [s.name, s]));
  const allows = (target: string, caller: string) => (byName.get(target)?.access ?? []).some((a) => a.caller === caller && a.action === "allow");
  for (const s of mesh.services) {
    (s.upstreams ?? []).forEach((u, i) => {
      if (!allows(u.service, s.name))
        out.push({
          path: at(`services.${s.name}`, "upstreams", i),
          message: `${s.name} calls ${u.service}, but no rule of ${u.service} allows ${s.name}: every call will be denied (403)`,
          hint: `add ${u.service}.allow(${s.name}, { ... }) or remove the upstream`,
        });
      const backup = byName.get(u.service)?.failover?.service;
      if (backup !== undefined && !allows(backup, s.name))
        out.push({
          path: at(`services.${u.service}`, "failover", "service"),
          message: `${u.service} fails over to ${backup}, but no rule of ${backup} allows ${s.name}: its calls fail once they fail over`,
          hint: `add ${backup}.allow(${s.name}, { ... }) with the rules ${u.service} has for it`,
        });
    });
  }
  return out;
}
