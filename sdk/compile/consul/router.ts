import type { ConfigEntry } from "../../plan";
import type { ResolvedService } from "../resolve";

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
 * Catch-all route of an HTTP or gRPC service: strips {@link UNTRUSTED_REQUEST_HEADERS} and
 * carries the service's request timeout and retry policy.
 */
export function serviceRouter(service: ResolvedService): ConfigEntry | undefined {
  if (service.protocol === "tcp") return undefined;
  const r = service.resilience;
  const retries = r?.retries;
  return {
    Kind: "service-router",
    Name: service.name,
    Routes: [
      {
        Match: { HTTP: { PathPrefix: "/" } },
        Destination: {
          Service: service.name,
          ...(r?.requestTimeout ? { RequestTimeout: r.requestTimeout } : {}),
          ...(retries
            ? {
                NumRetries: retries.attempts,
                RetryOn: [...(retries.on ?? DEFAULT_RETRY_ON)],
                ...(retries.onStatusCodes?.length ? { RetryOnStatusCodes: [...retries.onStatusCodes] } : {}),
              }
            : {}),
          RequestHeaders: { Remove: [...UNTRUSTED_REQUEST_HEADERS] },
        },
      },
    ],
  };
}

/** A router for a virtual ingress service: longest path prefix first. */
export function ingressRouter(name: string, routes: readonly { pathPrefix: string; service: string }[]): ConfigEntry {
  const sorted = [...routes].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length || (a.pathPrefix < b.pathPrefix ? -1 : 1));
  return {
    Kind: "service-router",
    Name: name,
    Routes: sorted.map((r) => ({
      Match: { HTTP: { PathPrefix: r.pathPrefix } },
      Destination: { Service: r.service, RequestHeaders: { Remove: [...UNTRUSTED_REQUEST_HEADERS] } },
    })),
  };
}
