import type { ConfigEntry } from "../../plan";
import type { HttpRouteMatch } from "../../model/routing";
import type { ResolvedIngressRoute, ResolvedMesh, ResolvedRoute, ResolvedService } from "../resolve";
import { consulHeaderEdits, consulHttpMatch } from "./http-match";

/** Conditions retried when none are given. */
export const DEFAULT_RETRY_ON = ["5xx", "connect-failure"] as const;

/**
 * Request headers a caller must not be able to hand to the service it calls: proxy
 * information only a proxy may set (`x-forwarded-for`, `forwarded`, `x-real-ip`) and Envoy's
 * internal headers, which apps and access logs would otherwise take for Envoy's own. Removed
 * on every route into a service, so they are gone before the request leaves the caller's
 * sidecar (and before an ingress forwards it).
 */
export const UNTRUSTED_REQUEST_HEADERS = [
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-client-cert",
  "forwarded",
  "x-real-ip",
  "x-envoy-original-path",
  "x-envoy-original-url",
  "x-envoy-internal",
  "x-envoy-external-address",
  "x-envoy-decorator-operation",
  "x-envoy-downstream-service-cluster",
  "x-envoy-downstream-service-node",
  "x-envoy-expected-rq-timeout-ms",
  "x-envoy-force-trace",
  "x-envoy-ip-tags",
  "x-envoy-attempt-count",
  "x-envoy-peer-metadata",
  "x-envoy-peer-metadata-id",
  "x-meshwright-endpoint",
] as const;

/**
 * The service's router: its routes in order, then the catch-all to the service itself. Every
 * route strips {@link UNTRUSTED_REQUEST_HEADERS} and carries its own timeout and retries, or
 * else its destination's `resilience` ones.
 */
export function serviceRouter(mesh: ResolvedMesh, service: ResolvedService): ConfigEntry | undefined {
  if (service.protocol === "tcp") return undefined;
  return {
    Kind: "service-router",
    Name: service.name,
    Routes: [...service.routes, { service: service.name }].map((r) => consulRoute(mesh, r)),
  };
}

/** A router for a virtual ingress service: routes of one host, most specific path first. */
export function ingressRouter(mesh: ResolvedMesh, name: string, routes: readonly ResolvedIngressRoute[]): ConfigEntry {
  return { Kind: "service-router", Name: name, Routes: bySpecificity(routes).map((r) => consulRoute(mesh, r)) };
}

/**
 * Exact and regex paths first, then longer prefixes; declaration order among equals (a
 * stable sort), so a route with extra conditions declared first stays first.
 */
export function bySpecificity<R extends HttpRouteMatch>(routes: readonly R[]): R[] {
  const rank = (r: R) => (r.pathPrefix === undefined ? Infinity : r.pathPrefix.length);
  return [...routes].sort((a, b) => rank(b) - rank(a));
}

/** One route in Consul's form. */
function consulRoute(mesh: ResolvedMesh, r: ResolvedRoute): Record<string, unknown> {
  const destination = mesh.byName.get(r.service)?.resilience;
  const timeout = r.requestTimeout ?? destination?.requestTimeout;
  const retries = r.retries ?? destination?.retries;
  const response = consulHeaderEdits(r.responseHeaders);
  return {
    Match: { HTTP: consulHttpMatch(r) },
    Destination: {
      Service: r.service,
      ...(r.subset !== undefined ? { ServiceSubset: r.subset } : {}),
      ...(r.prefixRewrite !== undefined ? { PrefixRewrite: r.prefixRewrite } : {}),
      ...(timeout ? { RequestTimeout: timeout } : {}),
      ...(retries
        ? {
            NumRetries: retries.attempts,
            RetryOn: [...(retries.on ?? DEFAULT_RETRY_ON)],
            ...(retries.onStatusCodes?.length ? { RetryOnStatusCodes: [...retries.onStatusCodes] } : {}),
          }
        : {}),
      RequestHeaders: consulHeaderEdits(r.requestHeaders, UNTRUSTED_REQUEST_HEADERS),
      ...(response ? { ResponseHeaders: response } : {}),
    },
  };
}
