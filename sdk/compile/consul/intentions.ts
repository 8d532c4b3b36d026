import { isL7Rule, needsJwt, type AccessRule } from "../../model/access";
import type { AccessSpec } from "../../model/spec";
import type { ConfigEntry } from "../../plan";
import { GRANTED, ROLE_CLAIM_PREFIX, SCOPE_CLAIM_PREFIX, TEST_CLIENT_ID } from "../keycloak/claims";
import type { ResolvedIngressRoute, ResolvedMesh, ResolvedService } from "../resolve";
import { jwtProviderName } from "./jwt-provider";
import { consulHeaderMatch, escapeRegex } from "./http-match";

/**
 * Paths a path rule cannot judge, because an app may read them as another path than the one
 * Envoy matched (Consul 1.16 turns on none of Envoy's path normalization; seen on the real
 * components: `/pay/../admin` matched the prefix `/pay`, and `/value/%73upersecret` got past
 * a deny of `/value/supersecret`):
 * - doubled slashes, dot segments, backslashes, and `;` (path parameters, which some servers
 *   strip before routing);
 * - percent-encodings a normalizing server decodes into something else: of unreserved
 *   characters (letters, digits, `-._~`, which RFC 3986 says are never to be encoded), of
 *   `/`, `\`, `?`, `#`, `;` and `%` itself (double encoding), of control characters and NUL,
 *   of byte values that are never valid UTF-8 lead bytes (overlong encodings), and of the
 *   starts of three- and four-byte sequences that are overlong (`%E0%80%AF` is `/` to a
 *   lenient decoder), UTF-16 surrogates or beyond U+10FFFF;
 * - a `%` not followed by two hex digits.
 * Every L7 source denies them before any of its rules, so allow and deny rules both fail
 * closed. Percent-encodings of other characters (a space, `:`, `@`, non-ASCII text) pass.
 */
export const AMBIGUOUS_PATH = String.raw`.*(//|/\.\.?(/|$)|\\|;|%(2[35DdEeFf]|3[0-9BbFf]|4[1-9A-Fa-f]|5[0-9AaCcFf]|6[1-9A-Fa-f]|7[0-9AaEeFf]|[01][0-9A-Fa-f]|[Cc][01]|[Ff][5-9A-Fa-f]|[Ee]0%[89][0-9A-Fa-f]|[Ee][Dd]%[AaBb][0-9A-Fa-f]|[Ff]0%8[0-9A-Fa-f]|[Ff]4%[9AaBb][0-9A-Fa-f])|%([^0-9A-Fa-f]|[0-9A-Fa-f]([^0-9A-Fa-f]|$)|$)).*`;

/**
 * Default deny. With ACLs on and `default_policy = "deny"` Consul already denies unlisted
 * callers; the wildcard intention states it where operators look for it, and keeps it so if
 * the ACL default ever changes.
 */
export function defaultDeny(): ConfigEntry {
  return { Kind: "service-intentions", Name: "*", Sources: [{ Name: "*", Action: "deny" }] };
}

/**
 * The destination's intentions: one source per caller, either an L4 action or ordered L7
 * permissions (the ambiguous-path guard first, then deny permissions, since the first
 * matching permission decides). An ingress routing to the service is allowed on the path
 * prefixes of its routes unless the user wrote rules for the gateway.
 */
export function serviceIntentions(mesh: ResolvedMesh, service: ResolvedService): ConfigEntry | undefined {
  const access: AccessSpec[] = [...service.access];
  for (const gateway of mesh.ingresses) {
    if (access.some((a) => a.caller === gateway.name)) continue;
    const listeners = gateway.listeners.filter((l) => l.routes.some((r) => r.service === service.name));
    if (!listeners.length) continue;
    if (listeners.some((l) => l.protocol === "tcp") || service.protocol === "tcp") {
      access.push({ caller: gateway.name, action: "allow" });
      continue;
    }
    access.push({ caller: gateway.name, action: "allow", rule: gatewayPaths(listeners.flatMap((l) => l.routes.filter((r) => r.service === service.name))) });
  }
  if (!access.length) return undefined;
  const gateways = new Set(mesh.ingresses.map((g) => g.name));
  const endUserClients = userFacingClients(mesh);
  const callers = [...new Set(access.map((a) => a.caller))];
  const sources = callers.map((caller) => {
    const mine = access.filter((a) => a.caller === caller);
    const outright = mine.find((a) => !isL7Rule(a.rule));
    if (outright) return { Name: caller, Action: outright.action };
    const ordered = [...mine.filter((a) => a.action === "deny"), ...mine.filter((a) => a.action === "allow")];
    const guard = { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } };
    // Through a gateway come end users' tokens; from a service, only its own.
    const issuedTo = gateways.has(caller) ? endUserClients : [caller];
    return { Name: caller, Permissions: [guard, ...ordered.flatMap((a) => permissions(service.name, issuedTo, a.action, a.rule ?? {}))] };
  });
  return { Kind: "service-intentions", Name: service.name, Sources: sources };
}

/**
 * The paths a gateway's routes send to a service, as the service's sidecar sees them: after
 * the route's prefix rewrite.
 */
function gatewayPaths(routes: readonly ResolvedIngressRoute[]): AccessRule {
  const sorted = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))].sort();
  const paths = sorted(routes.filter((r) => r.pathPrefix !== undefined).map((r) => r.prefixRewrite ?? r.pathPrefix));
  const exactPaths = sorted(routes.map((r) => (r.pathExact !== undefined ? (r.prefixRewrite ?? r.pathExact) : undefined)));
  const regexes = sorted(routes.map((r) => r.pathRegex));
  return {
    ...(paths.length ? { paths } : {}),
    ...(exactPaths.length ? { exactPaths } : {}),
    ...(regexes.length ? { pathRegex: regexes.length === 1 ? regexes[0] : regexes.map((r) => `(${r})`).join("|") } : {}),
  };
}

/**
 * Permissions of one rule. Deny rules match paths without regard to case (a server that
 * ignores case would otherwise serve `/ADMIN` past a deny of `/admin`), and a denied exact
 * path also with trailing slashes (most frameworks serve `/admin/` as `/admin`); allow rules
 * match exactly. A token requirement checks the destination's audience (through its own JWT
 * provider) and, on allow rules, that the token was issued to one of `issuedTo` (`azp`): the
 * calling service, or the clients that issue end users' tokens for a gateway caller (a
 * service's client-credentials token replayed through the ingress is refused). One
 * permission per accepted client, since Consul matches a claim against one value.
 */
function permissions(destination: string, issuedTo: readonly string[], action: "allow" | "deny", rule: AccessRule): Record<string, unknown>[] {
  const common = {
    ...(rule.methods?.length ? { Methods: [...rule.methods] } : {}),
    ...(rule.headers?.length ? { Header: rule.headers.map(consulHeaderMatch) } : {}),
  };
  const paths: Record<string, string>[] =
    action === "deny"
      ? [
          ...(rule.paths ?? []).map((p) => ({ PathRegex: `(?i)${escapeRegex(p)}.*` })),
          ...(rule.exactPaths ?? []).map((p) => ({ PathRegex: `(?i)${escapeRegex(p.replace(/\/+$/, ""))}/*` })),
          ...(rule.pathRegex !== undefined ? [{ PathRegex: `(?i)(${rule.pathRegex})` }] : []),
        ]
      : [
          ...(rule.paths ?? []).map((p) => ({ PathPrefix: p })),
          ...(rule.exactPaths ?? []).map((p) => ({ PathExact: p })),
          ...(rule.pathRegex !== undefined ? [{ PathRegex: rule.pathRegex }] : []),
        ];
  if (!paths.length) paths.push(Object.keys(common).length ? {} : { PathPrefix: "/" });
  if (!needsJwt(rule)) return paths.map((path) => ({ Action: action, HTTP: { ...path, ...common } }));
  const azps: (string | undefined)[] = action === "allow" && rule.claims?.azp === undefined ? [...issuedTo] : [undefined];
  return paths.flatMap((path) =>
    azps.map((azp) => ({
      Action: action,
      HTTP: { ...path, ...common },
      JWT: { Providers: [{ Name: jwtProviderName(destination), VerifyClaims: verifyClaims(rule, azp) }] },
    })),
  );
}

/**
 * Clients whose tokens are end users': what a gateway caller's token must be issued to. The
 * web apps' clients, and the password-grant test client where a test mesh opts into it.
 */
export function userFacingClients(mesh: ResolvedMesh): string[] {
  return [...(mesh.identity?.webApps ?? []).map((w) => w.clientId), ...(mesh.identity?.unsafePasswordGrantClient ? [TEST_CLIENT_ID] : [])];
}

function verifyClaims(rule: AccessRule, azp: string | undefined): { Path: string[]; Value: string }[] {
  return [
    ...(azp !== undefined ? [{ Path: ["azp"], Value: azp }] : []),
    ...(rule.scopes ?? []).map((s) => ({ Path: [...SCOPE_CLAIM_PREFIX, s], Value: GRANTED })),
    ...(rule.roles ?? []).map((r) => ({ Path: [...ROLE_CLAIM_PREFIX, r], Value: GRANTED })),
    ...Object.entries(rule.claims ?? {}).map(([path, value]) => ({ Path: path.split("."), Value: value })),
  ];
}

/** The services whose intentions require a token: each gets its own JWT provider (audience). */
export function servicesNeedingJwt(mesh: ResolvedMesh): string[] {
  return mesh.services.filter((s) => s.access.some((a) => needsJwt(a.rule))).map((s) => s.name);
}
