import { at } from "../issues";
import { instanceSubsets, servicePath, type Rule } from "../context";

/**
 * Failover is one form (`subset`, `service` with an optional `subset`, or `targets`); every
 * target exists, is not the primary itself, is listed once, and the primary keeps instances.
 */
export const failoverTargetExists: Rule = ({ services, serviceNames, issues }) => {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    const f = s.failover;
    if (!f) continue;
    const path = at(servicePath(s), "failover");
    if (f.targets !== undefined && (f.subset !== undefined || f.service !== undefined)) {
      issues.add(path, "failover sets targets and also subset or service", "list every target in targets, or use subset/service alone");
      continue;
    }
    if (f.targets === undefined && f.subset === undefined && f.service === undefined) {
      issues.add(path, "failover names no target", 'write failover: { subset: "backup" }, { service: "<backup-service>" } or { targets: [...] }');
      continue;
    }
    if (f.targets?.length === 0) issues.add(at(path, "targets"), "failover has an empty target list", "list at least one target, or remove failover");
    const targets = (f.targets ?? [f]).map((t, i) => ({ service: t.service ?? s.name, subset: t.subset, path: f.targets ? at(path, "targets", i) : path }));
    const seen = new Set<string>();
    for (const t of targets) {
      const key = `${t.service}/${t.subset ?? ""}`;
      if (seen.has(key))
        issues.add(t.path, `failover target ${t.subset ? `${t.service} subset "${t.subset}"` : t.service} is listed twice`, "list each target once");
      seen.add(key);
      if (t.service === s.name && t.subset === undefined) {
        issues.add(at(t.path, "service"), "a service cannot fail over to itself", "use a backup subset instead");
        continue;
      }
      if (!serviceNames.has(t.service)) {
        issues.add(at(t.path, "service"), `failover service "${t.service}" does not exist`, `declare mesh.service("${t.service}", {...}) or fix the name`);
        continue;
      }
      const target = byName.get(t.service);
      if (t.subset !== undefined && target && !instanceSubsets(target).includes(t.subset))
        issues.add(
          at(t.path, "subset"),
          t.service === s.name ? `failover subset "${t.subset}" has no instance` : `failover subset "${t.subset}" of ${t.service} has no instance`,
          t.service === s.name
            ? `mark a backup instance with { subset: "${t.subset}" } in instances`
            : `use one of: ${[...new Set(instanceSubsets(target))].join(", ")}`,
        );
    }
    const backups = new Set(targets.filter((t) => t.service === s.name && t.subset !== undefined).map((t) => t.subset));
    const own = instanceSubsets(s);
    if (backups.size && own.length && own.every((x) => backups.has(x)))
      issues.add(
        path,
        `every instance is in a failover subset (${[...backups].join(", ")}), so there is no primary`,
        'leave the primary instances without a subset (they default to "primary")',
      );
  }
};
