import { isL7Rule, needsJwt, type AccessRule } from "../../model/access";
import type { AccessSpec } from "../../model/spec";
import type { ConfigEntry } from "../../plan";
import { GRANTED, JWT_PROVIDER_NAME, ROLE_CLAIM_PREFIX, SCOPE_CLAIM_PREFIX } from "../keycloak/claims";
import type { ResolvedMesh, ResolvedService } from "../resolve";

/**
 * Paths a path rule cannot judge: dot segments, doubled slashes, encoded dots, slashes or
 * backslashes. Consul 1.16 does not turn on Envoy's path normalization, so `/pay/../admin`
 * matches the prefix `/pay` while an app that normalizes serves `/admin` (seen on the real
 * components). Every L7 source denies them first.
 */
export const AMBIGUOUS_PATH = String.raw`.*(//|/\.\.?(/|$)|%2[eEfF]|%5[cC]|\\).*`;

/** Default deny: without ACLs, a wildcard intention is how Consul denies unlisted callers. */
export function defaultDeny(): ConfigEntry {
  return { Kind: "service-intentions", Name: "*", Sources: [{ Name: "*", Action: "deny" }] };
}

/**
 * The destination's intentions: one source per caller, either an L4 action or ordered L7
 * permissions (deny permissions first, since the first matching permission decides).
 * Ingress gateways routing to the service are allowed unless the user said otherwise.
 */
export function serviceIntentions(mesh: ResolvedMesh, service: ResolvedService): ConfigEntry | undefined {
  const access: AccessSpec[] = [...service.access];
  for (const gateway of mesh.ingresses) {
    const routes = gateway.listeners.flatMap((l) => l.routes);
    if (routes.some((r) => r.service === service.name) && !access.some((a) => a.caller === gateway.name)) {
      access.push({ caller: gateway.name, action: "allow" });
    }
  }
  if (!access.length) return undefined;
  const callers = [...new Set(access.map((a) => a.caller))];
  const sources = callers.map((caller) => {
    const mine = access.filter((a) => a.caller === caller);
    const outright = mine.find((a) => !isL7Rule(a.rule));
    if (outright) return { Name: caller, Action: outright.action };
    const ordered = [...mine.filter((a) => a.action === "deny"), ...mine.filter((a) => a.action === "allow")];
    const guard = { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } };
    return { Name: caller, Permissions: [guard, ...ordered.flatMap((a) => permissions(a.action, a.rule ?? {}))] };
  });
  return { Kind: "service-intentions", Name: service.name, Sources: sources };
}

function permissions(action: "allow" | "deny", rule: AccessRule): Record<string, unknown>[] {
  const common = {
    ...(rule.methods?.length ? { Methods: [...rule.methods] } : {}),
    ...(rule.headers?.length ? { Header: rule.headers.map(header) } : {}),
  };
  const paths: Record<string, string>[] = [
    ...(rule.paths ?? []).map((p) => ({ PathPrefix: p })),
    ...(rule.exactPaths ?? []).map((p) => ({ PathExact: p })),
    ...(rule.pathRegex !== undefined ? [{ PathRegex: rule.pathRegex }] : []),
  ];
  if (!paths.length) paths.push(Object.keys(common).length ? {} : { PathPrefix: "/" });
  const jwt = needsJwt(rule) ? { JWT: { Providers: [{ Name: JWT_PROVIDER_NAME, VerifyClaims: verifyClaims(rule) }] } } : {};
  return paths.map((path) => ({ Action: action, HTTP: { ...path, ...common }, ...jwt }));
}

function verifyClaims(rule: AccessRule): { Path: string[]; Value: string }[] {
  return [
    ...(rule.scopes ?? []).map((s) => ({ Path: [...SCOPE_CLAIM_PREFIX, s], Value: GRANTED })),
    ...(rule.roles ?? []).map((r) => ({ Path: [...ROLE_CLAIM_PREFIX, r], Value: GRANTED })),
    ...Object.entries(rule.claims ?? {}).map(([path, value]) => ({ Path: path.split("."), Value: value })),
  ];
}

function header(h: NonNullable<AccessRule["headers"]>[number]): Record<string, unknown> {
  const match =
    h.exact !== undefined ? { Exact: h.exact }
    : h.prefix !== undefined ? { Prefix: h.prefix }
    : h.suffix !== undefined ? { Suffix: h.suffix }
    : h.regex !== undefined ? { Regex: h.regex }
    : { Present: true };
  return { Name: h.name, ...match, ...(h.invert ? { Invert: true } : {}) };
}
