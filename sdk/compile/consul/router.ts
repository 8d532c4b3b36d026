import type { ConfigEntry } from "../../plan";
import type { ResolvedService } from "../resolve";

/** Conditions retried when none are given. */
export const DEFAULT_RETRY_ON = ["5xx", "connect-failure"] as const;

/** Catch-all route carrying the service's request timeout and retry policy. */
export function serviceRouter(service: ResolvedService): ConfigEntry | undefined {
  const r = service.resilience;
  if (!r?.retries && !r?.requestTimeout) return undefined;
  const retries = r.retries;
  return {
    Kind: "service-router",
    Name: service.name,
    Routes: [
      {
        Match: { HTTP: { PathPrefix: "/" } },
        Destination: {
          Service: service.name,
          ...(r.requestTimeout ? { RequestTimeout: r.requestTimeout } : {}),
          ...(retries
            ? {
                NumRetries: retries.attempts,
                RetryOn: [...(retries.on ?? DEFAULT_RETRY_ON)],
                ...(retries.onStatusCodes?.length ? { RetryOnStatusCodes: [...retries.onStatusCodes] } : {}),
              }
            : {}),
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
    Routes: sorted.map((r) => ({ Match: { HTTP: { PathPrefix: r.pathPrefix } }, Destination: { Service: r.service } })),
  };
}
