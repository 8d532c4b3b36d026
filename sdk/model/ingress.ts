import type { HttpRouteMatch, RouteAction } from "./routing";

/** Props of an ingress gateway (a Consul `ingress-gateway` fronted by Envoy). */
export interface IngressProps {
  /** Listeners, one port each. */
  readonly listeners: readonly ListenerProps[];
}

/** One port of the gateway. */
export interface ListenerProps {
  /** Port the gateway listens on (inside its container). */
  readonly port: number;
  /** `http` routes by host and path; `tcp` forwards to exactly one service. @default "http" */
  readonly protocol?: "http" | "tcp";
  /** Where requests go. */
  readonly routes: readonly RouteProps[];
}

/**
 * Requests for a host (and path, headers, query parameters, methods) go to a service,
 * optionally to a subset and with a prefix rewrite, header edits, timeout and retries. Routes
 * of one host are tried most specific path first (exact and regex paths, then longer
 * prefixes; declaration order among equals). A route also lets the gateway call the service,
 * on the route's path prefix only and behind the same path guard as every L7 rule (an
 * intention the compiler adds), unless the service has rules naming the gateway itself; the
 * gateway drops proxy and Envoy headers a client could forge and sets `x-forwarded-for` to
 * the client's address.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/ingress-gateway
 */
export interface RouteProps extends HttpRouteMatch, RouteAction {
  /** Host header to match; omit to match any host. */
  readonly host?: string;
  /** Path prefix. @default "/" */
  readonly pathPrefix?: string;
  /** Destination service (a `Service` or its name). */
  readonly service: string | { readonly name: string };
}
