import type { HeaderMatch, HttpMethod } from "./access";
import type { Duration } from "./duration";
import type { Retries } from "./resilience";
import type { ServiceRef } from "./service";

/**
 * Which requests a route takes. Every condition given must hold; a route with none takes
 * every request (a catch-all, which must come last). At most one of the path conditions.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router#routes-match-http
 */
export interface HttpRouteMatch {
  /** The path starts with this (`"/"` matches every path). */
  readonly pathPrefix?: string;
  /** The path is exactly this. */
  readonly pathExact?: string;
  /** The whole path matches this RE2 regular expression. */
  readonly pathRegex?: string;
  /** Every one of these header conditions holds. */
  readonly headers?: readonly HeaderMatch[];
  /** Every one of these query-parameter conditions holds. */
  readonly queryParams?: readonly QueryParamMatch[];
  /** The method is one of these. */
  readonly methods?: readonly HttpMethod[];
}

/**
 * A query-parameter condition: set `name` and at most one of `exact` and `regex`; none means
 * "present".
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router#routes-match-http-queryparam
 */
export interface QueryParamMatch {
  /** Parameter name. */
  readonly name: string;
  /** Value equals. */
  readonly exact?: string;
  /** The whole value matches this RE2 regular expression. */
  readonly regex?: string;
}

/**
 * Header changes made by the caller's sidecar (requests) or on the way back (responses).
 * `add` appends a value, `set` replaces it, `remove` drops the header. Values may use Envoy's
 * `%…%` variables. Headers the mesh removes so services can trust them (`x-forwarded-for`,
 * `x-envoy-*`, …) cannot be set.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router#routes-destination-requestheaders
 */
export interface HeaderEdits {
  /** Headers to append to. */
  readonly add?: Readonly<Record<string, string>>;
  /** Headers to replace. */
  readonly set?: Readonly<Record<string, string>>;
  /** Headers to drop. */
  readonly remove?: readonly string[];
}

/**
 * What happens to a request a route took.
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router#routes-destination
 */
export interface RouteAction {
  /**
   * A subset of the destination service (see `InstanceProps.subset`). @default the
   * destination's default subset (every instance, without one)
   */
  readonly subset?: string;
  /**
   * Replace the matched `pathPrefix` (or `pathExact`) with this before forwarding, e.g.
   * `pathPrefix: "/v2/"` and `prefixRewrite: "/"` turn `/v2/books` into `/books`. The
   * destination's access rules judge the rewritten path (for an ingress route, the gateway is
   * allowed on it). @default no rewrite
   */
  readonly prefixRewrite?: string;
  /** Give up after this long. @default the destination service's `resilience.requestTimeout` */
  readonly requestTimeout?: Duration;
  /** Retry policy of this route. @default the destination service's `resilience.retries` */
  readonly retries?: Retries;
  /** Changes to the request before it is forwarded. */
  readonly requestHeaders?: HeaderEdits;
  /** Changes to the response before the caller sees it. */
  readonly responseHeaders?: HeaderEdits;
}

/**
 * One in-mesh route of a service (`ServiceProps.routes`): requests from any caller to this
 * service that match go to `service` (this one by default), optionally to a subset, with the
 * action's rewrites, header edits, timeout and retries. Compiled, in order and ahead of the
 * catch-all, to the service's `service-router`.
 *
 * A route to another service sends the caller's request to that service's sidecar, whose
 * intentions judge the caller: that service needs an `allow` for each caller. The SDK does not
 * add one (it would widen access behind the author's back); validation warns when one is
 * missing.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router
 */
export interface ServiceRoute extends HttpRouteMatch, RouteAction {
  /** Destination service. @default the service the route belongs to */
  readonly service?: ServiceRef;
}
