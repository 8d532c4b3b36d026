import { canonical } from "../../util/canonical";
import { withDefaultPrefix } from "../../compile/consul/http-match";
import type { HttpRouteMatch } from "../../model/routing";
import { at } from "../issues";
import { protocolOf, type Rule } from "../context";

/** Ingress listeners route to existing services with a matching protocol, on distinct ports. */
export const ingressRoutesAreValid: Rule = ({ services, serviceNames, ingresses, issues }) => {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const g of ingresses) {
    const ports = new Set<number>();
    g.listeners.forEach((l, i) => {
      const path = at(`ingresses.${g.name}`, "listeners", i);
      const protocol = l.protocol ?? "http";
      if (ports.has(l.port)) issues.add(at(path, "port"), `port ${l.port} is used by two listeners`, "give each listener its own port");
      if ([19000, 20200, 21000].includes(l.port))
        issues.add(at(path, "port"), `port ${l.port} is used by the gateway's Envoy (admin, metrics or registration)`, "pick another port, e.g. 8080");
      ports.add(l.port);
      if (l.routes.length === 0) issues.add(at(path, "routes"), "listener has no routes", "add a route: { service: ... }");
      if (protocol === "tcp" && l.routes.length > 1)
        issues.add(at(path, "routes"), "a tcp listener forwards to exactly one service", "use one route, or an http listener");
      const hostless = l.routes.filter((r) => r.host === undefined).length;
      if (protocol === "http" && hostless && hostless < l.routes.length) {
        issues.add(
          at(path, "routes"),
          "routes without a host match any host (*), which Consul only accepts when no other host is routed on the listener",
          "give every route a host, or none",
        );
      }
      const seen = new Set<string>();
      l.routes.forEach((r, j) => {
        const rpath = at(path, "routes", j);
        const target = byName.get(r.service);
        if (!serviceNames.has(r.service)) {
          issues.add(at(rpath, "service"), `route to unknown service "${r.service}"`, "declare the service or fix the name");
        } else if (target && protocolOf(target) !== protocol && !(protocol === "http" && protocolOf(target) === "grpc")) {
          issues.add(
            at(rpath, "service"),
            `${protocol} listener routes to ${protocolOf(target)} service ${r.service}`,
            `set the listener protocol to "${protocolOf(target)}"`,
          );
        }
        const { host: _host, service: _service, ...http } = r;
        if (protocol === "tcp" && (r.host !== undefined || Object.keys(http).length)) {
          issues.add(
            rpath,
            `tcp routes cannot match or change requests (${Object.keys(r)
              .filter((k) => k !== "service")
              .join(", ")})`,
            "keep only service, or use an http listener",
          );
        }
        if (r.pathPrefix !== undefined && !r.pathPrefix.startsWith("/")) {
          issues.add(at(rpath, "pathPrefix"), `path prefix "${r.pathPrefix}" does not start with "/"`, `write "/${r.pathPrefix}"`);
        }
        const key = `${r.host ?? "*"} ${canonical(matchOf(withDefaultPrefix(r)))}`;
        if (seen.has(key)) issues.add(rpath, `host ${r.host ?? "*"} with these conditions is routed twice`, "remove the duplicate route");
        seen.add(key);
      });
    });
  }
};

/** The conditions of a route, without its destination and actions. */
function matchOf(r: HttpRouteMatch): HttpRouteMatch {
  const { pathPrefix, pathExact, pathRegex, headers, queryParams, methods } = r;
  return { pathPrefix, pathExact, pathRegex, headers, queryParams, methods };
}
