import type { HeaderMatch } from "../../model/access";
import type { HeaderEdits, HttpRouteMatch, RouteAction } from "../../model/routing";
import type { ServiceSpec } from "../../model/spec";
import { bySpecificity, UNTRUSTED_REQUEST_HEADERS } from "../../compile/consul/router";
import { isCatchAll, withDefaultPrefix } from "../../compile/consul/http-match";
import { checkRetries } from "./resilience";
import { at, type IssueList } from "../issues";
import { instanceSubsets, protocolOf, servicePath, type Rule } from "../context";

/**
 * In-mesh routes: on an HTTP or gRPC service, to an existing HTTP or gRPC service and subset,
 * each match and action well formed, and none after a catch-all (it could never be taken).
 */
export const serviceRoutesAreValid: Rule = ({ services, serviceNames, issues }) => {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    const routes = s.routes ?? [];
    if (!routes.length) continue;
    const base = at(servicePath(s), "routes");
    if (protocolOf(s) === "tcp") {
      issues.add(base, `routes need an L7 protocol, but ${s.name} is tcp`, 'set protocol "http" or "grpc", or remove the routes');
      continue;
    }
    routes.forEach((r, i) => {
      const path = at(base, i);
      const name = r.service ?? s.name;
      if (!serviceNames.has(name)) issues.add(at(path, "service"), `route to unknown service "${name}"`, "declare the service or fix the name");
      const target = byName.get(name);
      if (target && protocolOf(target) === "tcp")
        issues.add(at(path, "service"), `route to tcp service ${name}: a router can only send HTTP and gRPC`, 'set protocol "http" or "grpc" on it');
      checkRoute(issues, path, r, target);
    });
    unreachableAfterCatchAll(issues, base, routes);
  }
};

/** Ingress routes: well-formed matches and actions, a subset the service has, none shadowed by a catch-all of its host. */
export const ingressRouteMatchesAreValid: Rule = ({ services, ingresses, issues }) => {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const g of ingresses) {
    g.listeners.forEach((l, i) => {
      const path = at(`ingresses.${g.name}`, "listeners", i, "routes");
      if ((l.protocol ?? "http") === "tcp") return;
      const routes = l.routes.map((r, index) => ({ ...withDefaultPrefix(r), index }));
      routes.forEach((r) => checkRoute(issues, at(path, r.index), r, byName.get(r.service)));
      const hosts = new Set(l.routes.map((r) => r.host));
      for (const host of hosts) {
        const ordered = bySpecificity(routes.filter((r) => r.host === host));
        const first = ordered.findIndex((r) => isCatchAll(r));
        for (const later of first >= 0 ? ordered.slice(first + 1) : [])
          issues.add(
            at(path, later.index),
            `unreachable: routes[${ordered[first]!.index}] takes every request for host ${host ?? "*"} first`,
            `give routes[${ordered[first]!.index}] a condition, or remove this route`,
          );
      }
    });
  }
};

/** A header condition sets one value matcher, and `ignoreCase` only with a literal one. */
export function checkHeaderMatch(issues: IssueList, path: string, h: HeaderMatch): void {
  const set = (["exact", "prefix", "suffix", "contains", "regex"] as const).filter((k) => h[k] !== undefined);
  if (set.length > 1) issues.add(path, `header ${h.name} sets ${set.join(" and ")}; a condition has one`, "split it into several header matches");
  if (h.ignoreCase && h.regex !== undefined) issues.add(at(path, "ignoreCase"), "ignoreCase does not apply to regex", `start the regex with (?i) instead`);
  else if (h.ignoreCase && !set.length) issues.add(at(path, "ignoreCase"), "ignoreCase needs a value to compare", "add exact, prefix, suffix or contains");
  if (h.regex !== undefined) checkRegex(issues, at(path, "regex"), h.regex);
}

function checkRoute(issues: IssueList, path: string, r: HttpRouteMatch & RouteAction, target: ServiceSpec | undefined): void {
  const paths = (["pathPrefix", "pathExact", "pathRegex"] as const).filter((k) => r[k] !== undefined);
  if (paths.length > 1) issues.add(path, `route sets ${paths.join(" and ")}; a route matches one path condition`, "keep one, or split the route");
  for (const k of ["pathPrefix", "pathExact", "prefixRewrite"] as const) {
    const p = r[k];
    if (p !== undefined && !p.startsWith("/")) issues.add(at(path, k), `path "${p}" does not start with "/"`, `write "/${p}"`);
  }
  if (r.pathRegex !== undefined) checkRegex(issues, at(path, "pathRegex"), r.pathRegex);
  if (r.prefixRewrite !== undefined && r.pathPrefix === undefined && r.pathExact === undefined)
    issues.add(
      at(path, "prefixRewrite"),
      "prefixRewrite replaces the matched path prefix, but the route matches none",
      "add pathPrefix (or pathExact), or drop the rewrite",
    );
  (r.headers ?? []).forEach((h, i) => checkHeaderMatch(issues, at(path, "headers", i), h));
  (r.queryParams ?? []).forEach((q, i) => {
    if (q.exact !== undefined && q.regex !== undefined)
      issues.add(
        at(path, "queryParams", i),
        `query parameter ${q.name} sets exact and regex; a condition has one`,
        "keep exact or regex, or split it into two query parameter matches",
      );
    if (q.regex !== undefined) checkRegex(issues, at(path, "queryParams", i, "regex"), q.regex);
  });
  if (r.subset !== undefined && target && !instanceSubsets(target).includes(r.subset))
    issues.add(
      at(path, "subset"),
      `no instance of ${target.name} is in subset "${r.subset}"`,
      `use one of: ${[...new Set(instanceSubsets(target))].join(", ")}`,
    );
  checkHeaderEdits(issues, at(path, "requestHeaders"), r.requestHeaders, true);
  checkHeaderEdits(issues, at(path, "responseHeaders"), r.responseHeaders, false);
  checkRetries(issues, at(path, "retries"), r.retries, true);
}

/**
 * A header is added, set or removed, never two of these at once (Envoy's order between them
 * is not what a reader expects); a request may not carry a header the mesh removes so that
 * services can trust it.
 */
export function checkHeaderEdits(issues: IssueList, path: string, edits: HeaderEdits | undefined, request: boolean): void {
  if (!edits) return;
  const seen = new Map<string, string>();
  const untrusted: readonly string[] = UNTRUSTED_REQUEST_HEADERS;
  const done = { add: "added", set: "set", remove: "removed" } as const;
  for (const kind of ["add", "set", "remove"] as const) {
    const names = kind === "remove" ? (edits.remove ?? []) : Object.keys(edits[kind] ?? {});
    for (const name of names) {
      const key = name.toLowerCase();
      const before = seen.get(key);
      if (before) issues.add(at(path, kind), `header ${name} is both ${before} and ${done[kind]}`, "edit each header once");
      seen.set(key, done[kind]);
      if (request && kind !== "remove" && untrusted.includes(key))
        issues.add(at(path, kind), `${name} is removed from every request so services can trust it; a route cannot set it`, "use a header of your own");
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || key.startsWith(":"))
        issues.add(at(path, kind), `"${name}" is not a header name Envoy can edit`, "use letters, digits and - (no pseudo-headers)");
    }
  }
}

function unreachableAfterCatchAll(issues: IssueList, path: string, routes: readonly HttpRouteMatch[]): void {
  const first = routes.findIndex(isCatchAll);
  if (first < 0) return;
  for (let i = first + 1; i < routes.length; i++)
    issues.add(
      at(path, i),
      `unreachable: routes[${first}] takes every request first`,
      `move this route before routes[${first}], or give routes[${first}] a condition`,
    );
}

/** RE2 has no lookaround or backreferences; anything else JavaScript refuses, RE2 refuses too. */
function checkRegex(issues: IssueList, path: string, regex: string): void {
  if (/\(\?<?[=!]|\\[1-9]/.test(regex)) {
    issues.add(path, `/${regex}/ uses lookaround or a backreference, which RE2 (Envoy's regex engine) does not have`, "rewrite it without them");
    return;
  }
  try {
    // RE2's leading flags and (?P<name>…) groups, which JavaScript spells otherwise or lacks
    new RegExp(regex.replace(/\(\?[imsU]+\)/g, "").replace(/\(\?P</g, "(?<"));
  } catch (err) {
    issues.add(path, `/${regex}/ is not a regular expression: ${(err as Error).message}`, "fix the expression (RE2 syntax)");
  }
}
