/**
 * Who may call a service, and on which requests. The mesh denies everything by default
 * (a wildcard `service-intentions` entry); each rule becomes a source (L4) or a permission
 * (L7) in the destination's `service-intentions`. mTLS between sidecars is always on.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-intentions
 */
export interface AccessRule {
  /** Allow (or deny) requests whose path starts with any of these prefixes. */
  readonly paths?: readonly string[];
  /** Match these exact paths. */
  readonly exactPaths?: readonly string[];
  /** Match paths against this RE2 regular expression. */
  readonly pathRegex?: string;
  /** Only these HTTP methods. */
  readonly methods?: readonly HttpMethod[];
  /** Only requests whose headers match all of these. */
  readonly headers?: readonly HeaderMatch[];
  /** Require a JWT from the mesh's Keycloak realm carrying all of these scopes. */
  readonly scopes?: readonly string[];
  /** Require a JWT whose subject holds all of these realm roles. */
  readonly roles?: readonly string[];
  /** Require a JWT with these claims: `{ "azp": "user-service", "org.tier": "gold" }` (dots nest). */
  readonly claims?: Readonly<Record<string, string>>;
}

/** HTTP methods an {@link AccessRule} can name. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "TRACE" | "CONNECT";

/** Every {@link HttpMethod}. */
export const HTTP_METHODS: readonly HttpMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"];

/**
 * A header condition. Set `name` and at most one of the value matchers; none means "present".
 * Consul 1.16 has no `contains` or case-insensitive match, so those two compile to an RE2
 * `Regex` (`.*value.*`, `(?i)`) with the value's special characters escaped.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router#routes-match-http-header
 */
export interface HeaderMatch {
  /** Header name. */
  readonly name: string;
  /** Value equals. */
  readonly exact?: string;
  /** Value starts with. */
  readonly prefix?: string;
  /** Value ends with. */
  readonly suffix?: string;
  /** Value contains this. */
  readonly contains?: string;
  /** The whole value matches this RE2 regular expression. */
  readonly regex?: string;
  /** Compare `exact`, `prefix`, `suffix` or `contains` ignoring case. @default false */
  readonly ignoreCase?: boolean;
  /** Negate the match. @default false */
  readonly invert?: boolean;
}

/** Whether a rule lets matching requests through. */
export type AccessAction = "allow" | "deny";

/** True when the rule needs an L7 (HTTP-aware) intention. */
export function isL7Rule(rule: AccessRule | undefined): boolean {
  if (!rule) return false;
  return Boolean(rule.paths?.length || rule.exactPaths?.length || rule.pathRegex || rule.methods?.length || rule.headers?.length || needsJwt(rule));
}

/** True when the rule requires a token. */
export function needsJwt(rule: AccessRule | undefined): boolean {
  if (!rule) return false;
  return Boolean(rule.scopes?.length || rule.roles?.length || (rule.claims && Object.keys(rule.claims).length));
}
