import type { ResolvedMesh, ResolvedService, ResolvedTarget } from "./resolve";

/** One target of a discovery chain: the instances a caller's Envoy gets as one cluster. */
export interface ChainTarget extends ResolvedTarget {
  /**
   * For a failover target, the primary target whose chain it is in and its place there (1 =
   * the first failover target): Consul names its cluster `failover-target~<index>~<primary's
   * cluster name>`.
   */
  readonly failoverOf?: ResolvedTarget & { readonly index: number };
}

/**
 * The targets a caller of `service` can send requests to, as Consul 1.16 compiles its
 * discovery chain: the service's router (each route's destination, and the catch-all to the
 * service itself), each destination's splitter (its subsets) or else its default subset, and
 * each resolved target's failover targets. Routers do not chain: a route to another service
 * skips that service's own routes. Sorted and without duplicates.
 */
export function chainTargets(mesh: ResolvedMesh, service: ResolvedService): ChainTarget[] {
  // The ACL policy, the warnings and the plan each ask for the same chains.
  const known = memo.get(service);
  if (known) return known;
  const targets = computeChainTargets(mesh, service);
  memo.set(service, targets);
  return targets;
}

/** Chains by resolved service: a resolved service belongs to one resolved mesh, which is never changed. */
const memo = new WeakMap<ResolvedService, ChainTarget[]>();

function computeChainTargets(mesh: ResolvedMesh, service: ResolvedService): ChainTarget[] {
  const out = new Map<string, ChainTarget>();
  const add = (t: ChainTarget) => {
    const key = `${t.subset ?? ""}.${t.service}`;
    const had = out.get(key);
    if (!had || (had.failoverOf && !t.failoverOf)) out.set(key, t);
  };
  const resolveTo = (target: ResolvedTarget) => {
    const s = mesh.byName.get(target.service);
    if (!s) return;
    const subset = target.subset ?? s.defaultSubset;
    const primary = { service: s.name, ...(subset !== undefined ? { subset } : {}) };
    add(primary);
    s.failover.forEach((f, i) => {
      const backup = mesh.byName.get(f.service);
      const backupSubset = f.subset ?? (f.service === s.name ? undefined : backup?.defaultSubset);
      add({ service: f.service, ...(backupSubset !== undefined ? { subset: backupSubset } : {}), failoverOf: { ...primary, index: i + 1 } });
    });
  };
  const split = (name: string) => {
    const splits = (mesh.byName.get(name)?.splits ?? []).filter((sp) => sp.weight > 0);
    if (!splits.length) return resolveTo({ service: name });
    for (const sp of splits) resolveTo({ service: name, subset: sp.subset });
  };
  for (const r of service.routes) {
    if (r.subset !== undefined) resolveTo({ service: r.service, subset: r.subset });
    else split(r.service);
  }
  split(service.name);
  return [...out.values()].sort((a, b) => (a.service + "." + (a.subset ?? "")).localeCompare(b.service + "." + (b.subset ?? "")));
}

/** The services a caller of `service` may reach (its chain's services), sorted. */
export function chainServices(mesh: ResolvedMesh, service: ResolvedService): string[] {
  return [...new Set(chainTargets(mesh, service).map((t) => t.service))].sort();
}

/** The instance ids of a target: its subset's, the primaries for a synthetic default, or all. */
export function targetInstances(service: ResolvedService, subset: string | undefined): string[] {
  if (subset === undefined) return service.instances.map((i) => i.id);
  if (!service.subsets.includes(subset)) return service.instances.filter((i) => !service.backupSubsets.includes(i.subset)).map((i) => i.id);
  return service.instances.filter((i) => i.subset === subset).map((i) => i.id);
}
