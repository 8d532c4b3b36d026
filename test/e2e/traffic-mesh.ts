/**
 * The mesh of test/e2e/traffic-management.test.ts: every routing, resolver and splitter
 * setting of the SDK, on workload services. test/e2e/sdk-real-components.test.ts also writes
 * its config entries to real Consul.
 */
import { Mesh } from "../../sdk";

/** Each in-mesh route of `api`: a name, what the route matches, and a request that matches it and one that does not. */
export const MATCH_KINDS = [
  { kind: "path exact", route: { pathExact: "/exact" }, hit: { path: "/exact" }, miss: { path: "/exact/more" } },
  { kind: "path regex", route: { pathRegex: "/re/[0-9]+" }, hit: { path: "/re/42" }, miss: { path: "/re/4x2" } },
  { kind: "header present", route: { headers: [{ name: "x-present" }] }, hit: { headers: { "x-present": "1" } }, miss: { headers: { "x-absent": "1" } } },
  {
    kind: "header exact",
    route: { headers: [{ name: "x-exact", exact: "yes" }] },
    hit: { headers: { "x-exact": "yes" } },
    miss: { headers: { "x-exact": "yes!" } },
  },
  {
    kind: "header prefix",
    route: { headers: [{ name: "x-prefix", prefix: "pre" }] },
    hit: { headers: { "x-prefix": "prelude" } },
    miss: { headers: { "x-prefix": "apre" } },
  },
  {
    kind: "header suffix",
    route: { headers: [{ name: "x-suffix", suffix: "fix" }] },
    hit: { headers: { "x-suffix": "affix" } },
    miss: { headers: { "x-suffix": "fixed" } },
  },
  {
    kind: "header regex",
    route: { headers: [{ name: "x-regex", regex: "[a-c]+" }] },
    hit: { headers: { "x-regex": "abcab" } },
    miss: { headers: { "x-regex": "abd" } },
  },
  {
    kind: "header contains",
    route: { headers: [{ name: "x-contains", contains: "mid.dle" }] },
    hit: { headers: { "x-contains": "in-the-mid.dle-of" } },
    miss: { headers: { "x-contains": "in-the-midXdle-of" } },
  },
  {
    kind: "header ignoreCase",
    route: { headers: [{ name: "x-case", exact: "Canary", ignoreCase: true }] },
    hit: { headers: { "x-case": "cANARY" } },
    miss: { headers: { "x-case": "canary1" } },
  },
  {
    kind: "header invert",
    route: { headers: [{ name: "x-not", exact: "stable", invert: true }] },
    hit: { headers: { "x-not": "beta" } },
    miss: { headers: { "x-not": "stable" } },
  },
  { kind: "query present", route: { queryParams: [{ name: "beta" }] }, hit: { path: "/q?beta=" }, miss: { path: "/q?alpha=1" } },
  { kind: "query exact", route: { queryParams: [{ name: "tier", exact: "gold" }] }, hit: { path: "/q?tier=gold" }, miss: { path: "/q?tier=golden" } },
  { kind: "query regex", route: { queryParams: [{ name: "id", regex: "[0-9]{3}" }] }, hit: { path: "/q?id=123" }, miss: { path: "/q?id=1234" } },
  { kind: "method", route: { methods: ["DELETE" as const] }, hit: { method: "DELETE" }, miss: { method: "PUT" } },
] as const;

/** The mesh; `client` calls every other service. */
export function trafficMesh(): Mesh {
  const mesh = new Mesh("traffic", { telemetry: { metrics: false } });
  const other = mesh.service("other");
  const api = mesh.service("api", {
    instances: [{ subset: "v1" }, { subset: "v1" }, { subset: "v2" }],
    defaultSubset: "v1",
    resilience: { connectTimeout: "750ms" },
    routes: [
      ...MATCH_KINDS.map((m) => ({ ...m.route, subset: "v2" })),
      {
        pathPrefix: "/old/",
        prefixRewrite: "/new/",
        subset: "v2",
        requestHeaders: { set: { "x-route": "rewritten" }, add: { "x-added": "one" }, remove: ["x-drop-me"] },
        responseHeaders: { set: { "x-served-by-route": "rewrite" }, remove: ["x-meshwright-drop"] },
      },
      { pathPrefix: "/elsewhere/", service: other },
      { pathPrefix: "/slow/", requestTimeout: "500ms" },
      { pathPrefix: "/retry/", subset: "v2", retries: { attempts: 2, on: ["5xx"] } },
    ],
  });
  // Only-passing against its control: the same three instances, one of which will warn.
  const strict = mesh.service("strict", { instances: 2, onlyPassing: true });
  const lenient = mesh.service("lenient", { instances: 2 });
  // Failover through ordered targets, each another service's subset: the warm standby first, the cold one only after it.
  const dr = mesh.service("orders-dr", { instances: [{ subset: "warm" }, { subset: "cold" }] });
  const orders = mesh.service("orders", {
    failover: {
      targets: [
        { service: dr, subset: "warm" },
        { service: dr, subset: "cold" },
      ],
    },
  });
  // Outlier detection enforced (eject) against detected only (keep: enforcingPercent 0).
  const outliers = { consecutive5xx: 3, interval: "1s", baseEjectionTime: "5m", maxEjectionPercent: 50 } as const;
  const eject = mesh.service("eject", { instances: 2, resilience: { outlierDetection: outliers } });
  const keep = mesh.service("keep", { instances: 2, resilience: { outlierDetection: { ...outliers, enforcingPercent: 0 } } });
  // A split with least request inside each subset, and header edits per split.
  const split = mesh.service("split", {
    instances: [{ subset: "a" }, { subset: "a" }, { subset: "b" }, { subset: "b" }],
    splits: [
      { subset: "a", weight: 50, requestHeaders: { set: { "x-split": "a" } } },
      { subset: "b", weight: 50, requestHeaders: { set: { "x-split": "b" } } },
    ],
    loadBalancing: { policy: "least_request" },
  });
  const client = mesh.service("client", { upstreams: [api, strict, lenient, orders, split, eject, keep] });
  for (const s of [api, strict, lenient, orders, dr, split, eject, keep]) s.allow(client);
  // A route to another service is judged by that service's rules: here a case-insensitive "contains" header match.
  other.allow(client, { headers: [{ name: "x-team", contains: "Pay", ignoreCase: true }] });
  // The same kinds of routes through an ingress: a rewrite, header edits and a header match to a subset.
  mesh.ingress("edge", {
    listeners: [
      {
        port: 8080,
        routes: [
          { host: "shop.test", headers: [{ name: "x-canary", exact: "1" }], subset: "v2", requestHeaders: { set: { "x-route": "edge-canary" } } },
          { host: "shop.test", pathPrefix: "/beta/", prefixRewrite: "/", subset: "v2", responseHeaders: { set: { "x-edge": "beta" } } },
          { host: "shop.test" },
        ].map((r) => ({ service: api, ...r })),
      },
    ],
  });
  return mesh;
}
