import { isDnsSafe, MAX_NAME_LENGTH, RESERVED_NAMES } from "../../model/names";
import { at } from "../issues";
import { instanceList, instanceSubsets, servicePath, type Rule } from "../context";

const META_KEY = /^[a-zA-Z0-9_-]{1,128}$/;

/** Names become container names, DNS aliases, Consul names and Keycloak ids. */
export const namesAreDnsSafe: Rule = ({ mesh, services, ingresses, issues }) => {
  const hint = `use lowercase letters, digits and '-', starting with a letter, at most ${MAX_NAME_LENGTH} characters (e.g. "payment-service")`;
  if (!isDnsSafe(mesh.name)) issues.add("name", `mesh name "${mesh.name}" is not DNS-safe`, hint);
  for (const s of services) {
    if (!isDnsSafe(s.name)) issues.add(servicePath(s), `service name "${s.name}" is not DNS-safe`, hint);
  }
  for (const g of ingresses) {
    if (!isDnsSafe(g.name)) issues.add(`ingresses.${g.name}`, `ingress name "${g.name}" is not DNS-safe`, hint);
  }
};

/** Every service and gateway name is used once, and none takes a platform container's name. */
export const namesAreUnique: Rule = ({ mesh, ingresses, issues }) => {
  const seen = new Map<string, string>();
  const all = [
    ...mesh.services.map((s, i) => ({ name: nameOf(s), path: `services[${i}]` })),
    ...ingresses.map((g) => ({ name: g.name, path: `ingresses.${g.name}` })),
  ];
  for (const { name, path } of all) {
    if (name === undefined) continue;
    const where = path.startsWith("services[") ? `services.${name}` : path;
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      issues.add(where, `"${name}" is reserved for the ${name} container`, `rename it, e.g. "${name}-app"`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      issues.add(where, `duplicate name "${name}" (already used by ${first})`, "give every service and ingress a unique name");
    } else {
      seen.set(name, where);
    }
  }
};

function nameOf(raw: unknown): string | undefined {
  if (raw && typeof raw === "object" && "name" in raw && typeof raw.name === "string") return raw.name;
  return undefined;
}

/** Consul meta keys and subset names follow Consul's own rules. */
export const metaAndSubsetsAreValid: Rule = ({ services, issues }) => {
  for (const s of services) {
    for (const key of Object.keys(s.meta ?? {})) {
      if (!META_KEY.test(key) || key.startsWith("consul-")) {
        issues.add(
          at(servicePath(s), "meta", key),
          `meta key "${key}" is not accepted by Consul`,
          "use letters, digits, '_' and '-' (at most 128), not starting with 'consul-'",
        );
      }
    }
    instanceList(s).forEach((instance, i) => {
      for (const key of Object.keys(instance.meta ?? {})) {
        if (!META_KEY.test(key) || key.startsWith("consul-") || key === "subset" || key === "version") {
          issues.add(
            at(servicePath(s), "instances", i, "meta", key),
            `meta key "${key}" is reserved or not accepted by Consul`,
            "use letters, digits, '_' and '-'; 'subset' and 'version' are set from the instance props",
          );
        }
      }
    });
    instanceSubsets(s).forEach((subset, i) => {
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(subset)) {
        issues.add(
          at(servicePath(s), "instances", i, "subset"),
          `subset "${subset}" is not a valid Consul subset name`,
          "use lowercase letters, digits and '-'",
        );
      } else if (subset === "all" || subset.startsWith("not-")) {
        issues.add(
          at(servicePath(s), "instances", i, "subset"),
          `subset "${subset}" is reserved: the compiler names its synthetic default subsets "all" and "not-<backups>"`,
          "pick another name",
        );
      }
    });
  }
};
