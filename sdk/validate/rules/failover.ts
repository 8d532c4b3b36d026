import { at } from "../issues";
import { instanceSubsets, servicePath, type Rule } from "../context";

/** A failover target exists, is not the primary itself, and the primary keeps instances. */
export const failoverTargetExists: Rule = ({ services, serviceNames, issues }) => {
  for (const s of services) {
    const f = s.failover;
    if (!f) continue;
    const path = at(servicePath(s), "failover");
    if ((f.subset === undefined) === (f.service === undefined)) {
      issues.add(path, "failover needs exactly one of subset or service", 'write failover: { subset: "backup" } or failover: { service: "<backup-service>" }');
      continue;
    }
    if (f.subset !== undefined) {
      const subsets = instanceSubsets(s);
      if (!subsets.includes(f.subset)) {
        issues.add(at(path, "subset"), `failover subset "${f.subset}" has no instance`, `mark a backup instance with { subset: "${f.subset}" } in instances`);
      } else if (subsets.every((x) => x === f.subset)) {
        issues.add(
          at(path, "subset"),
          `every instance is in the failover subset "${f.subset}", so there is no primary`,
          'leave the primary instances without a subset (they default to "primary")',
        );
      }
    }
    if (f.service !== undefined) {
      if (f.service === s.name) issues.add(at(path, "service"), "a service cannot fail over to itself", "use a backup subset instead");
      else if (!serviceNames.has(f.service)) {
        issues.add(at(path, "service"), `failover service "${f.service}" does not exist`, `declare mesh.service("${f.service}", {...}) or fix the name`);
      }
    }
  }
};
