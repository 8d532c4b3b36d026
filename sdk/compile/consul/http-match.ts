import type { HeaderMatch } from "../../model/access";
import type { HeaderEdits, HttpRouteMatch, QueryParamMatch, RouteAction } from "../../model/routing";

/** `text` as an RE2 literal. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A header condition in Consul's form (router `Header` and intention `Header` share it).
 * Consul 1.16 has no `Contains` or `IgnoreCase`, so those become an anchored RE2 `Regex`:
 * Envoy matches a safe regex against the whole value.
 */
export function consulHeaderMatch(h: HeaderMatch): Record<string, unknown> {
  const invert = h.invert ? { Invert: true } : {};
  if (h.contains !== undefined || (h.ignoreCase && (h.exact ?? h.prefix ?? h.suffix) !== undefined)) {
    const flag = h.ignoreCase ? "(?i)" : "";
    const regex =
      h.contains !== undefined
        ? `${flag}.*${escapeRegex(h.contains)}.*`
        : h.exact !== undefined
          ? `${flag}${escapeRegex(h.exact)}`
          : h.prefix !== undefined
            ? `${flag}${escapeRegex(h.prefix)}.*`
            : `${flag}.*${escapeRegex(h.suffix ?? "")}`;
    return { Name: h.name, Regex: regex, ...invert };
  }
  const match =
    h.exact !== undefined
      ? { Exact: h.exact }
      : h.prefix !== undefined
        ? { Prefix: h.prefix }
        : h.suffix !== undefined
          ? { Suffix: h.suffix }
          : h.regex !== undefined
            ? { Regex: h.regex }
            : { Present: true };
  return { Name: h.name, ...match, ...invert };
}

/** A query-parameter condition in Consul's router form. */
export function consulQueryParamMatch(q: QueryParamMatch): Record<string, unknown> {
  const match = q.exact !== undefined ? { Exact: q.exact } : q.regex !== undefined ? { Regex: q.regex } : { Present: true };
  return { Name: q.name, ...match };
}

/** A route's `Match.HTTP`; no condition at all is the catch-all `PathPrefix: "/"`. */
export function consulHttpMatch(m: HttpRouteMatch): Record<string, unknown> {
  const http = {
    ...(m.pathExact !== undefined ? { PathExact: m.pathExact } : {}),
    ...(m.pathPrefix !== undefined ? { PathPrefix: m.pathPrefix } : {}),
    ...(m.pathRegex !== undefined ? { PathRegex: m.pathRegex } : {}),
    ...(m.headers?.length ? { Header: m.headers.map(consulHeaderMatch) } : {}),
    ...(m.queryParams?.length ? { QueryParam: m.queryParams.map(consulQueryParamMatch) } : {}),
    ...(m.methods?.length ? { Methods: [...m.methods] } : {}),
  };
  return Object.keys(http).length ? http : { PathPrefix: "/" };
}

/** Whether a route takes every request (nothing after it in the same router is reachable). */
export function isCatchAll(m: HttpRouteMatch): boolean {
  return (
    m.pathExact === undefined &&
    m.pathRegex === undefined &&
    (m.pathPrefix === undefined || m.pathPrefix === "/") &&
    !m.headers?.length &&
    !m.queryParams?.length &&
    !m.methods?.length
  );
}

/** Consul's `HTTPHeaderModifiers`, with `alsoRemove` removed ahead of the user's own removals; undefined when empty. */
export function consulHeaderEdits(edits: HeaderEdits | undefined, alsoRemove: readonly string[] = []): Record<string, unknown> | undefined {
  const remove = [...alsoRemove, ...(edits?.remove ?? []).filter((h) => !alsoRemove.includes(h.toLowerCase()))];
  const out = {
    ...(edits?.add && Object.keys(edits.add).length ? { Add: { ...edits.add } } : {}),
    ...(edits?.set && Object.keys(edits.set).length ? { Set: { ...edits.set } } : {}),
    ...(remove.length ? { Remove: remove } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** An ingress route with its default filled in: no path condition matches the prefix `/`. */
export function withDefaultPrefix<R extends HttpRouteMatch>(r: R): R {
  return r.pathExact === undefined && r.pathRegex === undefined ? { ...r, pathPrefix: r.pathPrefix ?? "/" } : r;
}

/** A route that takes every request and changes nothing: an ingress host routed this way targets its service directly. */
export function isPlainRoute(r: HttpRouteMatch & RouteAction): boolean {
  return (
    isCatchAll(r) &&
    r.subset === undefined &&
    r.prefixRewrite === undefined &&
    r.requestTimeout === undefined &&
    r.retries === undefined &&
    r.requestHeaders === undefined &&
    r.responseHeaders === undefined
  );
}
