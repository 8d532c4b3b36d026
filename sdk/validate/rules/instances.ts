import { at } from "../issues";
import { servicePath, type Rule } from "../context";

/** A service has at least one instance. */
export const instancesAreNotEmpty: Rule = ({ services, issues }) => {
  for (const s of services) {
    const count = typeof s.instances === "number" ? s.instances : (s.instances?.length ?? 1);
    if (count === 0) {
      issues.add(at(servicePath(s), "instances"), "service has zero instances", "declare at least one instance (instances: 1), or remove the service");
    }
  }
};
