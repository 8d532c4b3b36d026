import type { IngressSpec } from "./spec";

/** Where a browser reaches a web app: one ingress route to its service. */
export interface WebAppRoute {
  /** Route host. */
  readonly host: string;
  /** `http://<host>[:<listener port>]`, the port left out when it is 80. */
  readonly origin: string;
  /** The route's path prefix (`/` when unset). */
  readonly pathPrefix: string;
}

/**
 * The http ingress routes with a host that lead to `service`, as origins and path prefixes:
 * what a web app's redirect URIs and web origins are derived from.
 */
export function webAppRoutes(ingresses: readonly IngressSpec[], service: string): WebAppRoute[] {
  return ingresses.flatMap((g) =>
    g.listeners
      .filter((l) => (l.protocol ?? "http") === "http")
      .flatMap((l) =>
        l.routes
          .filter((r) => r.service === service && r.host !== undefined)
          .map((r) => ({ host: r.host!, origin: `http://${r.host!}${l.port === 80 ? "" : `:${l.port}`}`, pathPrefix: r.pathPrefix ?? "/" })),
      ),
  );
}

/** A web app's redirect URIs and web origins, from its routes and the origins it names. */
export function webAppUris(
  routes: readonly WebAppRoute[],
  origins: readonly string[] | undefined,
  redirectUris: readonly string[] | undefined,
): { origins: string[]; redirectUris: string[] } {
  const pairs = webAppLocations(routes, origins);
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    origins: uniq(pairs.map((p) => p.origin)),
    redirectUris: redirectUris ? [...redirectUris] : uniq(pairs.map((p) => `${p.origin}${p.pathPrefix}`)),
  };
}

/** Each origin the app is reached on, with the path prefixes routed to it there. */
export function webAppLocations(routes: readonly WebAppRoute[], origins: readonly string[] | undefined): { origin: string; pathPrefix: string }[] {
  if (!origins) return routes.map((r) => ({ origin: r.origin, pathPrefix: r.pathPrefix }));
  return origins.flatMap((o) => {
    const host = hostOf(o);
    return routes.filter((r) => r.host === host).map((r) => ({ origin: o.replace(/\/$/, ""), pathPrefix: r.pathPrefix }));
  });
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}
