import { at } from "../issues";
import { servicePath, type Rule } from "../context";

/** Upstreams name declared services, not the caller itself, each at most once. */
export const upstreamsExist: Rule = ({ services, serviceNames, issues }) => {
  for (const s of services) {
    const seen = new Set<string>();
    (s.upstreams ?? []).forEach((u, i) => {
      const path = at(servicePath(s), "upstreams", i);
      if (u.service === s.name) {
        issues.add(path, `${s.name} lists itself as an upstream`, "remove it; an instance calls its own app directly");
      } else if (!serviceNames.has(u.service)) {
        issues.add(
          path,
          `unknown upstream "${u.service}"`,
          `declare it with mesh.service("${u.service}", {...}) or fix the name (known: ${[...serviceNames].join(", ") || "none"})`,
        );
      }
      if (seen.has(u.service)) {
        issues.add(path, `upstream "${u.service}" is listed twice`, "list each upstream once");
      }
      seen.add(u.service);
    });
  }
};
