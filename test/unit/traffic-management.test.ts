/**
 * Traffic management as compiled Consul 1.16 config entries: in-mesh routes (service-router),
 * ingress routes (virtual routers and the gateway's intentions), resolvers (only-passing,
 * failover forms, backup subsets), splitters' header edits, outlier detection's enforcement,
 * the ACL reads and the warnings routes and failover bring with them.
 */
import { compile, Mesh, type ConfigEntry, type HttpRouteMatch, type MeshPlan, type ServiceProps } from "../../sdk";
import { AMBIGUOUS_PATH } from "../../sdk/compile/consul/intentions";
import { INGRESS_REQUEST_HEADERS } from "../../sdk/compile/consul/ingress-gateway";
import { UNTRUSTED_REQUEST_HEADERS } from "../../sdk/compile/consul/router";
import type { RouteProps } from "../../sdk/model/ingress";
import { trafficMesh } from "../e2e/traffic-mesh";
import { expectGolden } from "./golden";

const entry = (plan: MeshPlan, kind: ConfigEntry["Kind"], name: string) => plan.consul.configEntries.find((e) => e.Kind === kind && e.Name === name);

type Route = { Match: { HTTP: Record<string, unknown> }; Destination: Record<string, unknown> & { RequestHeaders?: Record<string, unknown> } };
const routesOf = (plan: MeshPlan, name: string) => (entry(plan, "service-router", name)?.["Routes"] ?? []) as Route[];

/** What every route into a service removes before anything else. */
const STRIPPED = { Remove: [...UNTRUSTED_REQUEST_HEADERS] };

/** A mesh with `api` (subsets v1 and v2) and whatever else `more` declares; `api` takes `props`. */
function withApi(props: ServiceProps, more?: (mesh: Mesh) => void): MeshPlan {
  const mesh = new Mesh("traffic");
  mesh.service("api", { instances: [{ subset: "v1" }, { subset: "v2" }], ...props });
  more?.(mesh);
  return compile(mesh);
}

/** Envoy matches a header `Regex` (RE2) against the whole value; JavaScript's engine agrees on these literals. */
function fullMatch(regex: string, value: string): boolean {
  const ignoreCase = regex.startsWith("(?i)");
  return new RegExp(`^(?:${ignoreCase ? regex.slice(4) : regex})$`, ignoreCase ? "i" : "").test(value);
}

describe("in-mesh routes: the service's router", () => {
  it("puts the routes in declared order, ahead of the catch-all to the service itself", () => {
    const plan = withApi({ routes: [{ pathPrefix: "/b/" }, { pathExact: "/a" }, { pathPrefix: "/b/c/" }, { methods: ["DELETE"] }] });
    expect(routesOf(plan, "api").map((r) => [r.Match.HTTP, r.Destination.Service])).toEqual([
      [{ PathPrefix: "/b/" }, "api"],
      [{ PathExact: "/a" }, "api"],
      [{ PathPrefix: "/b/c/" }, "api"],
      [{ Methods: ["DELETE"] }, "api"],
      [{ PathPrefix: "/" }, "api"],
    ]);
  });

  const matchKinds: [string, HttpRouteMatch, Record<string, unknown>][] = [
    ["path prefix", { pathPrefix: "/api/" }, { PathPrefix: "/api/" }],
    ["path exact", { pathExact: "/exact" }, { PathExact: "/exact" }],
    ["path regex", { pathRegex: "/re/[0-9]+" }, { PathRegex: "/re/[0-9]+" }],
    ["header present", { headers: [{ name: "x-a" }] }, { Header: [{ Name: "x-a", Present: true }] }],
    ["header exact", { headers: [{ name: "x-a", exact: "yes" }] }, { Header: [{ Name: "x-a", Exact: "yes" }] }],
    ["header prefix", { headers: [{ name: "x-a", prefix: "pre" }] }, { Header: [{ Name: "x-a", Prefix: "pre" }] }],
    ["header suffix", { headers: [{ name: "x-a", suffix: "fix" }] }, { Header: [{ Name: "x-a", Suffix: "fix" }] }],
    ["header regex", { headers: [{ name: "x-a", regex: "[a-c]+" }] }, { Header: [{ Name: "x-a", Regex: "[a-c]+" }] }],
    ["header invert", { headers: [{ name: "x-a", exact: "stable", invert: true }] }, { Header: [{ Name: "x-a", Exact: "stable", Invert: true }] }],
    ["header absent (present, inverted)", { headers: [{ name: "x-a", invert: true }] }, { Header: [{ Name: "x-a", Present: true, Invert: true }] }],
    ["header contains", { headers: [{ name: "x-a", contains: "mid.dle" }] }, { Header: [{ Name: "x-a", Regex: ".*mid\\.dle.*" }] }],
    ["header exact, ignoring case", { headers: [{ name: "x-a", exact: "Canary", ignoreCase: true }] }, { Header: [{ Name: "x-a", Regex: "(?i)Canary" }] }],
    ["header prefix, ignoring case", { headers: [{ name: "x-a", prefix: "v1.", ignoreCase: true }] }, { Header: [{ Name: "x-a", Regex: "(?i)v1\\..*" }] }],
    ["header suffix, ignoring case", { headers: [{ name: "x-a", suffix: ".Test", ignoreCase: true }] }, { Header: [{ Name: "x-a", Regex: "(?i).*\\.Test" }] }],
    [
      "header contains, ignoring case, inverted",
      { headers: [{ name: "x-a", contains: "a+b", ignoreCase: true, invert: true }] },
      { Header: [{ Name: "x-a", Regex: "(?i).*a\\+b.*", Invert: true }] },
    ],
    ["query parameter present", { queryParams: [{ name: "beta" }] }, { QueryParam: [{ Name: "beta", Present: true }] }],
    ["query parameter exact", { queryParams: [{ name: "tier", exact: "gold" }] }, { QueryParam: [{ Name: "tier", Exact: "gold" }] }],
    ["query parameter regex", { queryParams: [{ name: "id", regex: "[0-9]{3}" }] }, { QueryParam: [{ Name: "id", Regex: "[0-9]{3}" }] }],
    ["methods", { methods: ["GET", "HEAD"] }, { Methods: ["GET", "HEAD"] }],
    [
      "combined",
      {
        pathPrefix: "/a/",
        headers: [{ name: "x-a", exact: "1" }, { name: "x-b" }],
        queryParams: [{ name: "q", regex: "x+" }],
        methods: ["POST"],
      },
      {
        PathPrefix: "/a/",
        Header: [
          { Name: "x-a", Exact: "1" },
          { Name: "x-b", Present: true },
        ],
        QueryParam: [{ Name: "q", Regex: "x+" }],
        Methods: ["POST"],
      },
    ],
  ];

  it.each(matchKinds)("compiles a %s match to Consul's form", (_kind, match, http) => {
    expect(routesOf(withApi({ routes: [{ ...match, subset: "v2" }] }), "api")[0]?.Match).toEqual({ HTTP: http });
  });

  it("turns contains and ignoreCase into an anchored RE2 regex in which the value's special characters are literal", () => {
    const special = String.raw`1+1=2 (a|b) [x] $5 ^ \ {3} ?*.`;
    const regexOf = (h: NonNullable<HttpRouteMatch["headers"]>[number]) =>
      (routesOf(withApi({ routes: [{ headers: [h] }] }), "api")[0]?.Match.HTTP["Header"] as { Regex: string }[])[0]!.Regex;
    const contains = regexOf({ name: "x-a", contains: special });
    expect([special, `in ${special} the middle`].map((v) => fullMatch(contains, v))).toEqual([true, true]);
    expect(["1+1=2", "11=2 (a|b) [x] $5 ^ \\ {3} ?*.", special.toUpperCase().replace("A", "Z")].map((v) => fullMatch(contains, v))).toEqual([
      false,
      false,
      false,
    ]);
    const exact = regexOf({ name: "x-a", exact: "Canary.v1", ignoreCase: true });
    expect(["Canary.v1", "cANARY.V1", "Canaryxv1", "canary.v1-2", "a canary.v1"].map((v) => fullMatch(exact, v))).toEqual([true, true, false, false, false]);
    const prefix = regexOf({ name: "x-a", prefix: "Bearer ", ignoreCase: true });
    expect(["bearer abc", "BEARER ", "a bearer abc"].map((v) => fullMatch(prefix, v))).toEqual([true, true, false]);
    const suffix = regexOf({ name: "x-a", suffix: "(beta)", ignoreCase: true });
    expect(["v2 (BETA)", "(beta)", "(beta) v2", "beta"].map((v) => fullMatch(suffix, v))).toEqual([true, true, false, false]);
  });

  it("sends a route to a subset, to another service, or to another service's subset", () => {
    const plan = withApi(
      {
        routes: [
          { pathPrefix: "/canary/", subset: "v2" },
          { pathPrefix: "/elsewhere/", service: "other" },
          { pathPrefix: "/other-blue/", service: "other", subset: "blue" },
        ],
      },
      (m) => void m.service("other", { instances: [{ subset: "blue" }, { subset: "green" }] }),
    );
    expect(routesOf(plan, "api").map((r) => ({ Service: r.Destination.Service, ServiceSubset: r.Destination["ServiceSubset"] }))).toEqual([
      { Service: "api", ServiceSubset: "v2" },
      { Service: "other", ServiceSubset: undefined },
      { Service: "other", ServiceSubset: "blue" },
      { Service: "api", ServiceSubset: undefined },
    ]);
    // each destination's resolver defines the subsets routes name
    expect(Object.keys(entry(plan, "service-resolver", "api")?.["Subsets"] as object)).toEqual(["v1", "v2"]);
    expect(Object.keys(entry(plan, "service-resolver", "other")?.["Subsets"] as object)).toEqual(["blue", "green"]);
  });

  it("rewrites the matched path prefix", () => {
    const plan = withApi({
      routes: [
        { pathPrefix: "/old/", prefixRewrite: "/new/" },
        { pathExact: "/legacy", prefixRewrite: "/current" },
      ],
    });
    expect(routesOf(plan, "api").map((r) => r.Destination["PrefixRewrite"])).toEqual(["/new/", "/current", undefined]);
  });

  it("removes the untrusted request headers first, then makes the route's own edits", () => {
    const plan = withApi({
      routes: [
        {
          pathPrefix: "/edited/",
          requestHeaders: { add: { "x-added": "one" }, set: { "x-route": "edited" }, remove: ["x-drop-me", "X-Real-IP"] },
        },
        { pathPrefix: "/plain/" },
      ],
    });
    const [edited, plain, catchAll] = routesOf(plan, "api");
    expect(edited?.Destination.RequestHeaders).toEqual({
      Add: { "x-added": "one" },
      Set: { "x-route": "edited" },
      // an untrusted header the user also removes is not listed twice
      Remove: [...UNTRUSTED_REQUEST_HEADERS, "x-drop-me"],
    });
    expect(plain?.Destination.RequestHeaders).toEqual(STRIPPED);
    expect(catchAll?.Destination.RequestHeaders).toEqual(STRIPPED);
    expect(UNTRUSTED_REQUEST_HEADERS).toEqual(expect.arrayContaining(["x-forwarded-for", "x-real-ip", "x-envoy-internal", "forwarded"]));
  });

  it("edits response headers only on the routes that ask for it", () => {
    const plan = withApi({
      routes: [{ pathPrefix: "/a/", responseHeaders: { add: { "x-added": "1" }, set: { "x-served-by": "a" }, remove: ["server"] } }, { pathPrefix: "/b/" }],
    });
    expect(routesOf(plan, "api").map((r) => r.Destination["ResponseHeaders"])).toEqual([
      { Add: { "x-added": "1" }, Set: { "x-served-by": "a" }, Remove: ["server"] },
      undefined,
      undefined,
    ]);
  });

  it("gives each route its own timeout and retries, or else its destination service's resilience", () => {
    const plan = withApi(
      {
        resilience: { requestTimeout: "2s", retries: { attempts: 2 } },
        routes: [
          { pathPrefix: "/own/", requestTimeout: "1s", retries: { attempts: 4, on: ["reset", "gateway-error"], onStatusCodes: [503] } },
          { pathPrefix: "/inherited/" },
          { pathPrefix: "/elsewhere/", service: "other" },
          { pathPrefix: "/bare/", service: "bare" },
        ],
      },
      (m) => {
        m.service("other", { resilience: { requestTimeout: "5s", retries: { attempts: 1, on: ["5xx"] } } });
        m.service("bare");
      },
    );
    const policy = (r: Route) => {
      const d = r.Destination;
      return [d.Service, d["RequestTimeout"], d["NumRetries"], d["RetryOn"], d["RetryOnStatusCodes"]];
    };
    expect(routesOf(plan, "api").map(policy)).toEqual([
      ["api", "1s", 4, ["reset", "gateway-error"], [503]],
      ["api", "2s", 2, ["5xx", "connect-failure"], undefined],
      ["other", "5s", 1, ["5xx"], undefined],
      ["bare", undefined, undefined, undefined, undefined],
      ["api", "2s", 2, ["5xx", "connect-failure"], undefined],
    ]);
  });

  it("has no router for a tcp service", () => {
    const mesh = new Mesh("tcp");
    mesh.service("db", { protocol: "tcp" });
    expect(entry(compile(mesh), "service-router", "db")).toBeUndefined();
  });
});

describe("ingress routes", () => {
  /** A mesh whose gateway `edge` has one http listener on 8080 with these routes (to `api` unless named). */
  function edge(routes: (Omit<RouteProps, "service"> & { service?: string })[]): MeshPlan {
    return withApi({}, (m) => {
      m.service("web");
      m.ingress("edge", { listeners: [{ port: 8080, routes: routes.map((r) => ({ service: "api", ...r })) }] });
    });
  }
  const gatewayServices = (plan: MeshPlan) =>
    ((entry(plan, "ingress-gateway", "edge")?.["Listeners"] as { Services: { Name: string; Hosts: string[] }[] }[])[0]?.Services ?? []).map((s) => [
      s.Name,
      s.Hosts,
    ]);

  it.each([
    ["without a path", { host: "a.test" }],
    ['with path prefix "/"', { host: "a.test", pathPrefix: "/" }],
  ])("targets the service directly for a host with one plain route (%s)", (_, route) => {
    const plan = edge([route]);
    expect(entry(plan, "ingress-gateway", "edge")).toEqual({
      Kind: "ingress-gateway",
      Name: "edge",
      Listeners: [{ Port: 8080, Protocol: "http", Services: [{ Name: "api", Hosts: ["a.test"], RequestHeaders: INGRESS_REQUEST_HEADERS }] }],
    });
    expect(plan.consul.configEntries.filter((e) => e.Name.startsWith("edge-"))).toEqual([]);
  });

  it.each<[string, Omit<RouteProps, "service">]>([
    ["a longer path prefix", { pathPrefix: "/api/" }],
    ["an exact path", { pathExact: "/health" }],
    ["a path regex", { pathRegex: "/items/[0-9]+" }],
    ["a header", { headers: [{ name: "x-canary" }] }],
    ["a query parameter", { queryParams: [{ name: "beta" }] }],
    ["a method", { methods: ["GET"] }],
    ["a subset", { subset: "v2" }],
    ["a prefix rewrite", { pathPrefix: "/", prefixRewrite: "/app/" }],
    ["a timeout", { requestTimeout: "3s" }],
    ["retries", { retries: { attempts: 2 } }],
    ["request header edits", { requestHeaders: { set: { "x-from": "edge" } } }],
    ["response header edits", { responseHeaders: { set: { "x-edge": "1" } } }],
  ])("sends a host whose only route has %s through a virtual service and router", (_, route) => {
    const plan = edge([{ host: "a.test", ...route }]);
    expect(gatewayServices(plan)).toEqual([["edge-8080-1", ["a.test"]]]);
    expect(entry(plan, "service-defaults", "edge-8080-1")).toEqual({ Kind: "service-defaults", Name: "edge-8080-1", Protocol: "http" });
    const routes = routesOf(plan, "edge-8080-1");
    expect(routes).toHaveLength(1);
    expect(routes[0]?.Destination).toMatchObject({ Service: "api" });
  });

  it("tries a host's routes most specific first: exact and regex paths, then longer prefixes, declaration order among equals", () => {
    const plan = edge([
      { host: "a.test", headers: [{ name: "x-canary", exact: "1" }], subset: "v2" },
      { host: "a.test", pathPrefix: "/a/" },
      { host: "a.test", pathExact: "/a/exact" },
      { host: "a.test", pathPrefix: "/a/b/", service: "web" },
      { host: "a.test", pathRegex: "/a/[0-9]+" },
      { host: "a.test" },
      { host: "b.test", service: "web" },
    ]);
    expect(gatewayServices(plan)).toEqual([
      ["edge-8080-1", ["a.test"]],
      ["web", ["b.test"]],
    ]);
    expect(routesOf(plan, "edge-8080-1").map((r) => [r.Match.HTTP, r.Destination.Service, r.Destination["ServiceSubset"]])).toEqual([
      [{ PathExact: "/a/exact" }, "api", undefined],
      [{ PathRegex: "/a/[0-9]+" }, "api", undefined],
      [{ PathPrefix: "/a/b/" }, "web", undefined],
      [{ PathPrefix: "/a/" }, "api", undefined],
      [{ PathPrefix: "/", Header: [{ Name: "x-canary", Exact: "1" }] }, "api", "v2"],
      [{ PathPrefix: "/" }, "api", undefined],
    ]);
  });

  it("strips the untrusted headers on every virtual route, then makes the route's edits; the gateway sets x-forwarded-for itself", () => {
    const plan = edge([
      { host: "a.test", pathPrefix: "/a/", requestHeaders: { set: { "x-from": "edge" } }, responseHeaders: { remove: ["server"] } },
      { host: "a.test" },
    ]);
    expect(routesOf(plan, "edge-8080-1").map((r) => [r.Destination.RequestHeaders, r.Destination["ResponseHeaders"]])).toEqual([
      [{ Set: { "x-from": "edge" }, ...STRIPPED }, { Remove: ["server"] }],
      [STRIPPED, undefined],
    ]);
    expect(INGRESS_REQUEST_HEADERS.Set).toEqual({ "x-forwarded-for": "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%" });
    expect(INGRESS_REQUEST_HEADERS.Remove).not.toContain("x-forwarded-for");
  });

  it("lets the gateway call a service on the paths its sidecar sees: the rewritten prefix, exact paths and regexes", () => {
    const plan = edge([
      { host: "a.test", pathPrefix: "/v2/", prefixRewrite: "/api/" },
      { host: "a.test", pathExact: "/old-health", prefixRewrite: "/health" },
      { host: "a.test", pathExact: "/ping" },
      { host: "a.test", pathRegex: "/items/[0-9]+" },
      { host: "a.test", pathPrefix: "/static/", service: "web" },
    ]);
    const sources = entry(plan, "service-intentions", "api")?.["Sources"] as { Name: string; Permissions: unknown[] }[];
    expect(sources).toEqual([
      {
        Name: "edge",
        Permissions: [
          { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } },
          { Action: "allow", HTTP: { PathPrefix: "/api/" } },
          { Action: "allow", HTTP: { PathExact: "/health" } },
          { Action: "allow", HTTP: { PathExact: "/ping" } },
          { Action: "allow", HTTP: { PathRegex: "/items/[0-9]+" } },
        ],
      },
    ]);
    const web = entry(plan, "service-intentions", "web")?.["Sources"] as { Permissions: { HTTP: Record<string, string> }[] }[];
    expect(web[0]?.Permissions.map((p) => p.HTTP)).toEqual([{ PathRegex: AMBIGUOUS_PATH }, { PathPrefix: "/static/" }]);
  });
});

describe("resolver", () => {
  it("sets OnlyPassing on every subset, and gives a service without a default subset the synthetic `all` one with an empty filter", () => {
    const mesh = new Mesh("strict");
    mesh.service("plain", { instances: 3, onlyPassing: true });
    mesh.service("subsets", { instances: [{ subset: "blue" }, { subset: "green" }], onlyPassing: true });
    mesh.service("chosen", { instances: [{ subset: "blue" }, { subset: "green" }], onlyPassing: true, defaultSubset: "green" });
    const plan = compile(mesh);
    expect(entry(plan, "service-resolver", "plain")).toEqual({
      Kind: "service-resolver",
      Name: "plain",
      DefaultSubset: "all",
      Subsets: { primary: { Filter: 'Service.Meta.subset == "primary"', OnlyPassing: true }, all: { Filter: "", OnlyPassing: true } },
    });
    expect(entry(plan, "service-resolver", "subsets")).toEqual({
      Kind: "service-resolver",
      Name: "subsets",
      DefaultSubset: "all",
      Subsets: {
        blue: { Filter: 'Service.Meta.subset == "blue"', OnlyPassing: true },
        green: { Filter: 'Service.Meta.subset == "green"', OnlyPassing: true },
        all: { Filter: "", OnlyPassing: true },
      },
    });
    expect(entry(plan, "service-resolver", "chosen")).toMatchObject({
      DefaultSubset: "green",
      Subsets: { blue: { OnlyPassing: true }, green: { OnlyPassing: true } },
    });
    expect(Object.keys(entry(plan, "service-resolver", "chosen")?.["Subsets"] as object)).toEqual(["blue", "green"]);
    // every instance still takes traffic: "all" filters nothing
    expect(plan.services.find((s) => s.name === "plain")?.primaryInstances).toEqual(["plain-1", "plain-2", "plain-3"]);
  });

  it("leaves OnlyPassing false by default, and needs no resolver for a plain service", () => {
    const plan = withApi({}, (m) => void m.service("plain", { instances: 2 }));
    expect(entry(plan, "service-resolver", "api")?.["Subsets"]).toEqual({
      v1: { Filter: 'Service.Meta.subset == "v1"', OnlyPassing: false },
      v2: { Filter: 'Service.Meta.subset == "v2"', OnlyPassing: false },
    });
    expect(entry(plan, "service-resolver", "plain")).toBeUndefined();
  });

  it("fails over to a subset of another service, which that service's resolver defines", () => {
    const mesh = new Mesh("dr");
    const dr = mesh.service("orders-dr", { instances: [{ subset: "warm" }, { subset: "cold" }] });
    mesh.service("orders", { instances: 2, failover: { service: dr, subset: "warm" } });
    const plan = compile(mesh);
    expect(entry(plan, "service-resolver", "orders")).toEqual({
      Kind: "service-resolver",
      Name: "orders",
      Failover: { "*": { Service: "orders-dr", ServiceSubset: "warm" } },
    });
    expect(entry(plan, "service-resolver", "orders-dr")?.["Subsets"]).toMatchObject({ warm: { Filter: 'Service.Meta.subset == "warm"' } });
  });

  it("fails over through ordered targets: Consul's Targets, most preferred first", () => {
    const mesh = new Mesh("dr");
    mesh.service("dr", { instances: [{ subset: "warm" }, { subset: "cold" }] });
    mesh.service("dr2");
    mesh.service("pay", { failover: { targets: [{ service: "dr", subset: "warm" }, { service: "dr2" }, { service: "dr", subset: "cold" }] } });
    expect(entry(compile(mesh), "service-resolver", "pay")).toEqual({
      Kind: "service-resolver",
      Name: "pay",
      Failover: {
        "*": {
          Targets: [{ Service: "dr", ServiceSubset: "warm" }, { Service: "dr2" }, { Service: "dr", ServiceSubset: "cold" }],
        },
      },
    });
  });

  it("with several backup subsets, sends default traffic to a synthetic not-<backups> subset and fails over from each primary subset", () => {
    const mesh = new Mesh("dr");
    mesh.service("dr");
    mesh.service("pay", {
      instances: [{ subset: "blue" }, { subset: "green" }, { subset: "b" }, { subset: "c" }],
      failover: { targets: [{ subset: "b" }, { subset: "c" }, { service: "dr" }] },
    });
    const plan = compile(mesh);
    const targets = { Targets: [{ ServiceSubset: "b" }, { ServiceSubset: "c" }, { Service: "dr" }] };
    expect(entry(plan, "service-resolver", "pay")).toEqual({
      Kind: "service-resolver",
      Name: "pay",
      DefaultSubset: "not-b-c",
      Subsets: {
        b: { Filter: 'Service.Meta.subset == "b"', OnlyPassing: false },
        blue: { Filter: 'Service.Meta.subset == "blue"', OnlyPassing: false },
        c: { Filter: 'Service.Meta.subset == "c"', OnlyPassing: false },
        green: { Filter: 'Service.Meta.subset == "green"', OnlyPassing: false },
        "not-b-c": { Filter: 'Service.Meta.subset != "b" and Service.Meta.subset != "c"', OnlyPassing: false },
      },
      Failover: { blue: targets, green: targets, "not-b-c": targets },
    });
    expect(plan.services.find((s) => s.name === "pay")?.primaryInstances).toEqual(["pay-1", "pay-2"]);
  });

  it("fails over from the one primary subset when every other instance is a backup", () => {
    const mesh = new Mesh("dr");
    mesh.service("pay", { instances: [{}, { subset: "b" }], onlyPassing: true, failover: { subset: "b" } });
    expect(entry(compile(mesh), "service-resolver", "pay")).toEqual({
      Kind: "service-resolver",
      Name: "pay",
      DefaultSubset: "primary",
      Subsets: {
        b: { Filter: 'Service.Meta.subset == "b"', OnlyPassing: true },
        primary: { Filter: 'Service.Meta.subset == "primary"', OnlyPassing: true },
      },
      Failover: { primary: { ServiceSubset: "b" } },
    });
  });
});

describe("splitter", () => {
  it("edits request and response headers per split, and only there (no untrusted-header removal: the router does that)", () => {
    const plan = withApi({
      instances: [{ subset: "v1" }, { subset: "v2" }, { subset: "v3" }],
      splits: [
        {
          subset: "v1",
          weight: 2,
          requestHeaders: { add: { "x-a": "1" }, set: { "x-split": "v1" }, remove: ["x-old"] },
          responseHeaders: { set: { "x-from": "v1" } },
        },
        { subset: "v2", weight: 1, responseHeaders: { remove: ["server"] } },
        { subset: "v3", weight: 1 },
      ],
    });
    expect(entry(plan, "service-splitter", "api")).toEqual({
      Kind: "service-splitter",
      Name: "api",
      Splits: [
        {
          Weight: 50,
          ServiceSubset: "v1",
          RequestHeaders: { Add: { "x-a": "1" }, Set: { "x-split": "v1" }, Remove: ["x-old"] },
          ResponseHeaders: { Set: { "x-from": "v1" } },
        },
        { Weight: 25, ServiceSubset: "v2", ResponseHeaders: { Remove: ["server"] } },
        { Weight: 25, ServiceSubset: "v3" },
      ],
    });
  });
});

describe("service-defaults: outlier detection", () => {
  it("enforces ejection with enforcingPercent (EnforcingConsecutive5xx), 100 by default, from the caller's override or the upstream's own", () => {
    const mesh = new Mesh("outliers");
    const gradual = mesh.service("gradual", { resilience: { outlierDetection: { consecutive5xx: 3, enforcingPercent: 25 } } });
    const full = mesh.service("full", { resilience: { outlierDetection: { consecutive5xx: 5 } } });
    const overridden = mesh.service("overridden", { resilience: { outlierDetection: { consecutive5xx: 5, enforcingPercent: 10 } } });
    mesh.service("caller", {
      upstreams: [gradual, full, { service: overridden, resilience: { outlierDetection: { consecutive5xx: 2, enforcingPercent: 0 } } }],
    });
    const overrides = (entry(compile(mesh), "service-defaults", "caller")?.["UpstreamConfig"] as { Overrides: { Name: string; PassiveHealthCheck: unknown }[] })
      .Overrides;
    expect(overrides).toEqual([
      {
        Name: "gradual",
        PassiveHealthCheck: { Interval: "10s", MaxFailures: 3, EnforcingConsecutive5xx: 25, MaxEjectionPercent: 10, BaseEjectionTime: "30s" },
      },
      { Name: "full", PassiveHealthCheck: { Interval: "10s", MaxFailures: 5, EnforcingConsecutive5xx: 100, MaxEjectionPercent: 10, BaseEjectionTime: "30s" } },
      {
        Name: "overridden",
        PassiveHealthCheck: { Interval: "10s", MaxFailures: 2, EnforcingConsecutive5xx: 0, MaxEjectionPercent: 10, BaseEjectionTime: "30s" },
      },
    ]);
  });
});

describe("service-defaults: per-try timeout", () => {
  it("has each caller's sidecar set Envoy's per-try timeout header on its listener for every upstream that declares one, and only there", () => {
    const mesh = new Mesh("per-try");
    const pay = mesh.service("pay", { resilience: { requestTimeout: "1s", retries: { attempts: 3, perTryTimeout: "250ms" } } });
    const slow = mesh.service("slow", { resilience: { requestTimeout: "10s", retries: { attempts: 1, perTryTimeout: "4s" } } });
    const plain = mesh.service("plain", { resilience: { retries: { attempts: 2 } } });
    mesh.service("caller", {
      upstreams: [
        { service: pay, localPort: 9101 },
        { service: slow, localPort: 9102 },
        { service: plain, localPort: 9103 },
      ],
    });
    mesh.service("other", { upstreams: [plain] });
    const plan = compile(mesh);
    const extensions = entry(plan, "service-defaults", "caller")?.["EnvoyExtensions"] as { Name: string; Arguments: Record<string, string> }[];
    expect(extensions).toHaveLength(1);
    expect(extensions[0]).toMatchObject({ Name: "builtin/lua", Arguments: { ProxyType: "connect-proxy", Listener: "outbound" } });
    const script = extensions[0]!.Arguments["Script"]!;
    expect(script).toContain('local per_try_ms = {["9101"] = "250", ["9102"] = "4000"}');
    expect(script).toContain('request_handle:headers():replace("x-envoy-upstream-rq-per-try-timeout-ms", ms)');
    expect(entry(plan, "service-defaults", "other")?.["EnvoyExtensions"]).toBeUndefined();
    expect(entry(plan, "service-defaults", "pay")?.["EnvoyExtensions"]).toBeUndefined();
    // The router keeps its own fields: Consul 1.16 has no per-try timeout there.
    const route = (entry(plan, "service-router", "pay")?.["Routes"] as { Destination: Record<string, unknown> }[])[0]!.Destination;
    expect(route).toMatchObject({ RequestTimeout: "1s", NumRetries: 3, RetryOn: ["5xx", "connect-failure"] });
    expect(Object.keys(route)).not.toContain("PerTryTimeout");
  });
});

describe("ACL: what an instance's token reads", () => {
  const rulesOf = (plan: MeshPlan, service: string) => plan.consul.acl.policies.find((p) => p.name === `service-${service}`)!.rules.split("\n");

  it("reads every service its upstreams' routes and failover reach, with their sidecars and nodes, and nothing else", () => {
    const mesh = new Mesh("reach");
    mesh.service("unrelated");
    const otherDr = mesh.service("other-dr");
    const other = mesh.service("other", { instances: [{ subset: "blue" }, { subset: "green" }], failover: { service: otherDr } });
    const dr = mesh.service("dr", { instances: [{ subset: "warm" }] });
    const api = mesh.service("api", {
      routes: [{ pathPrefix: "/elsewhere/", service: other, subset: "blue" }],
      failover: { targets: [{ service: dr, subset: "warm" }] },
    });
    const client = mesh.service("client", { upstreams: [api] });
    for (const s of [api, other, otherDr, dr]) s.allow(client);
    const plan = compile(mesh);
    const rules = rulesOf(plan, "client");
    expect(rules.filter((r) => r.startsWith("service "))).toEqual([
      'service "client" { policy = "write" }',
      'service "client-sidecar-proxy" { policy = "write" }',
      ...["api", "dr", "other", "other-dr"].flatMap((s) => [`service "${s}" { policy = "read" }`, `service "${s}-sidecar-proxy" { policy = "read" }`]),
    ]);
    expect(rules.filter((r) => r.startsWith("node "))).toEqual(
      ["api-1", "client-1", "dr-1", "other-1", "other-2", "other-dr-1"].map((n) => `node "${n}" { policy = "read" }`),
    );
    expect(rules.join("\n")).not.toContain("unrelated");
    // api itself calls nothing: its routes and failover are its callers' chains, not its own
    expect(rulesOf(plan, "api").filter((r) => r.includes('"read"') && r.startsWith("service "))).toEqual([]);
  });
});

describe("warnings", () => {
  it("warns when a route or failover target of an upstream does not allow the caller, and stops once it does", () => {
    const mesh = new Mesh("warn");
    const other = mesh.service("other");
    const dr = mesh.service("dr", { instances: [{ subset: "warm" }] });
    const api = mesh.service("api", {
      routes: [{ pathPrefix: "/elsewhere/", service: other }],
      failover: { targets: [{ service: dr, subset: "warm" }] },
    });
    const client = mesh.service("client", { upstreams: [api] });
    api.allow(client);
    expect(compile(mesh).warnings.map((w) => [w.path, w.message])).toEqual([
      ["services.api.failover", "api fails over to dr, but no rule of dr allows client: its calls fail once they fail over"],
      ["services.api.routes", "api routes requests to other, but no rule of other allows client: those requests will be denied (403)"],
    ]);
    for (const w of compile(mesh).warnings) expect(w.hint).toContain(".allow(client");
    other.allow(client, { paths: ["/elsewhere/"] });
    dr.allow(client);
    expect(compile(mesh).warnings).toEqual([]);
  });

  it("warns when a gateway reaches a service through a routed service's router or failover, but not through a virtual router", () => {
    const mesh = new Mesh("gw");
    const other = mesh.service("other");
    const dr = mesh.service("dr");
    const api = mesh.service("api", { routes: [{ pathPrefix: "/elsewhere/", service: other }], failover: { service: dr } });
    const edge = mesh.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "a.test", service: api }] }] });
    const messages = compile(mesh).warnings.map((w) => w.message);
    expect(messages.filter((m) => m.startsWith("ingress edge reaches")).sort()).toEqual([
      "ingress edge reaches dr through api's routes or failover, but no rule of dr allows edge: those requests will be denied (403)",
      "ingress edge reaches other through api's routes or failover, but no rule of other allows edge: those requests will be denied (403)",
    ]);
    // A route with an action of its own goes through a virtual router, which skips api's routes (not its failover).
    const viaRouter = new Mesh("gw2");
    const other2 = viaRouter.service("other");
    const dr2 = viaRouter.service("dr");
    const api2 = viaRouter.service("api", { routes: [{ pathPrefix: "/elsewhere/", service: other2 }], failover: { service: dr2 } });
    viaRouter.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "a.test", service: api2, requestTimeout: "2s" }] }] });
    expect(
      compile(viaRouter)
        .warnings.map((w) => w.message)
        .filter((m) => m.startsWith("ingress edge reaches")),
    ).toEqual(["ingress edge reaches dr through api's routes or failover, but no rule of dr allows edge: those requests will be denied (403)"]);
    other.allow(edge);
    dr.allow(edge);
    expect(compile(mesh).warnings.filter((w) => w.message.startsWith("ingress edge reaches"))).toEqual([]);
  });

  it("does not warn about a route to a subset of the upstream itself", () => {
    const mesh = new Mesh("warn");
    const api = mesh.service("api", { instances: [{ subset: "v1" }, { subset: "v2" }], routes: [{ headers: [{ name: "x-canary" }], subset: "v2" }] });
    api.allow(mesh.service("client", { upstreams: [api] }));
    expect(compile(mesh).warnings).toEqual([]);
  });
});

describe("the traffic mesh of the end-to-end tests", () => {
  const plan = compile(trafficMesh());

  it("compiles without warnings", () => {
    expect(plan.warnings).toEqual([]);
  });

  it("compiles to the reviewed routers, resolvers, splitters and ingress gateway", () => {
    const kinds: readonly ConfigEntry["Kind"][] = ["service-router", "service-resolver", "service-splitter", "ingress-gateway"];
    expectGolden(
      "traffic/entries",
      plan.consul.configEntries.filter((e) => kinds.includes(e.Kind)),
    );
  });
});
