import type { MeshSpec } from "../model/spec";
import type { PlanWarning } from "../plan";
import { at } from "./issues";
import { resolve, type ResolvedMesh } from "../compile/resolve";
import { chainServices } from "../compile/chain";
import { isPlainRoute } from "../compile/consul/http-match";

/**
 * What a valid mesh does that its author probably did not mean, each with a path and a fix.
 * Realizers print these; they never stop a mesh.
 */
export function warnings(mesh: MeshSpec): PlanWarning[] {
  return meshWarnings(mesh, resolve(mesh));
}

/** {@link warnings} with the mesh already resolved (the compiler has it). @internal */
export function meshWarnings(mesh: MeshSpec, resolved: ResolvedMesh): PlanWarning[] {
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
      const upstream = resolved.byName.get(u.service);
      for (const other of upstream ? chainServices(resolved, upstream) : []) {
        if (other === u.service || allows(other, s.name)) continue;
        const how = upstream?.failover.some((t) => t.service === other) ? "fails over" : "routes requests";
        out.push({
          path: at(`services.${u.service}`, how === "fails over" ? "failover" : "routes"),
          message: `${u.service} ${how} to ${other}, but no rule of ${other} allows ${s.name}: ${how === "fails over" ? "its calls fail once they fail over" : "those requests will be denied (403)"}`,
          hint: `add ${other}.allow(${s.name}, { ... }) with the rules ${u.service} has for it (the SDK never adds access on its own)`,
        });
      }
    });
  }
  // A gateway's plain route to a service goes through that service's router and failover too.
  for (const g of resolved.ingresses)
    for (const l of g.listeners)
      for (const r of l.routes) {
        const target = resolved.byName.get(r.service);
        // a host routed wholly to one service goes through that service's router; otherwise a
        // virtual router sends straight to the service's resolver (and its failover)
        const plain = l.routes.filter((x) => x.host === r.host).length === 1 && isPlainRoute(r);
        const reached = !target || l.protocol !== "http" ? [] : plain ? chainServices(resolved, target) : target.failover.map((f) => f.service);
        for (const other of reached) {
          if (other === r.service || allows(other, g.name) || out.some((w) => w.message.startsWith(`ingress ${g.name} reaches ${other} `))) continue;
          out.push({
            path: at(`ingresses.${g.name}`, "listeners"),
            message: `ingress ${g.name} reaches ${other} through ${r.service}'s routes or failover, but no rule of ${other} allows ${g.name}: those requests will be denied (403)`,
            hint: `add ${other}.allow(${g.name}, { ... }) (the SDK adds access for a gateway only on the services its routes name)`,
          });
        }
      }
  return out;
}
