import { compile, Mesh, MeshValidationError, validate, type MeshIssue, type MeshProps, type MeshSpec } from "../../sdk";

/** A JavaScript caller (or a cast) can pass what the types forbid; validation must still catch it. */
const untyped = <T>(value: unknown): T => value as T;

function issuesOf(declare: (mesh: Mesh) => void, props: MeshProps = {}, asData?: (spec: MeshSpec) => MeshSpec): MeshIssue[] {
  const mesh = new Mesh("shop", props);
  declare(mesh);
  return validate(asData ? asData(mesh.toSpec()) : mesh);
}

const identity = { realm: "shop", scopes: ["payments:write"], roles: ["admin"] };

interface RuleCase {
  rule: string;
  declare: (mesh: Mesh) => void;
  props?: MeshProps;
  /** Change the mesh as plain data before validating it: what a JavaScript caller could hand `validate` and `compile`. */
  asData?: (spec: MeshSpec) => MeshSpec;
  path: string;
  message: string;
}

const cases: RuleCase[] = [
  {
    rule: "an upstream must be a declared service",
    declare: (m) => void m.service("user-service", { upstreams: ["payment-servce"] }),
    path: "services.user-service.upstreams[0]",
    message: 'unknown upstream "payment-servce"',
  },
  {
    rule: "service names are unique",
    declare: (m) => {
      m.service("api");
      m.service("api");
    },
    path: "services.api",
    message: 'duplicate name "api"',
  },
  {
    rule: "service names are DNS-safe",
    declare: (m) => void m.service("Payment_Service"),
    path: "services.Payment_Service",
    message: 'service name "Payment_Service" is not DNS-safe',
  },
  {
    rule: "platform container names are reserved",
    declare: (m) => void m.service("consul"),
    path: "services.consul",
    message: '"consul" is reserved',
  },
  {
    rule: "an upstream's local port does not clash with the service port",
    declare: (m) => {
      const p = m.service("payment-service");
      m.service("user-service", { port: 9000, upstreams: [{ service: p, localPort: 9000 }] });
    },
    path: "services.user-service.upstreams[0].localPort",
    message: 'local port 9000 for "payment-service" clashes with the service\'s own port',
  },
  {
    rule: "the app port does not clash with the sidecar's ports",
    declare: (m) => void m.service("payment-service", { port: 21000 }),
    path: "services.payment-service.port",
    message: "port 21000 clashes with the sidecar's public listener",
  },
  {
    rule: "durations have a unit",
    declare: (m) => void m.service("payment-service", { healthCheck: { kind: "http", interval: untyped("5") } }),
    path: "services.payment-service.healthCheck.interval",
    message: '"5" is not a duration',
  },
  {
    rule: "a service has at least one instance",
    declare: (m) => void m.service("payment-service", { instances: 0 }),
    path: "services.payment-service.instances",
    message: "service has zero instances",
  },
  {
    rule: "hash policies need ring_hash or maglev",
    declare: (m) => void m.service("payment-service", { loadBalancing: untyped({ policy: "round_robin", hashPolicies: [{ sourceIp: true }] }) }),
    path: "services.payment-service.loadBalancing.hashPolicies[0]",
    message: 'hash policies need a hashing load balancer, but policy is "round_robin"',
  },
  {
    rule: "ring_hash needs hash policies",
    declare: (m) => void m.service("payment-service", { loadBalancing: { policy: "ring_hash", hashPolicies: [] } }),
    path: "services.payment-service.loadBalancing.hashPolicies",
    message: '"ring_hash" without hash policies',
  },
  {
    rule: "hash policies need an L7 protocol",
    declare: (m) => void m.service("db", { protocol: "tcp", loadBalancing: { policy: "maglev", hashPolicies: [{ sourceIp: true }] } }),
    path: "services.db.loadBalancing.hashPolicies",
    message: "hash policies need an L7 protocol, but db is tcp",
  },
  {
    rule: "split weights do not sum to zero",
    declare: (m) =>
      void m.service("payment-service", {
        instances: [{ subset: "v1" }, { subset: "v2" }],
        loadBalancing: {
          policy: "weighted",
          splits: [
            { subset: "v1", weight: 0 },
            { subset: "v2", weight: 0 },
          ],
        },
      }),
    path: "services.payment-service.loadBalancing.splits",
    message: "split weights sum to zero",
  },
  {
    rule: "splits name existing subsets",
    declare: (m) =>
      void m.service("payment-service", {
        instances: [{ subset: "v1" }],
        loadBalancing: {
          policy: "weighted",
          splits: [
            { subset: "v1", weight: 1 },
            { subset: "v3", weight: 1 },
          ],
        },
      }),
    path: "services.payment-service.loadBalancing.splits[1].subset",
    message: 'no instance of payment-service is in subset "v3"',
  },
  {
    rule: "callers agree on a service's load balancing",
    declare: (m) => {
      const p = m.service("payment-service", { loadBalancing: { policy: "random" } });
      m.service("user-service", { upstreams: [{ service: p, loadBalancing: { policy: "round_robin" } }] });
    },
    path: "services.user-service.upstreams[0].loadBalancing",
    message: "load balancing for payment-service conflicts with the one set by payment-service itself",
  },
  {
    rule: "retries need an L7 protocol",
    declare: (m) => void m.service("db", { protocol: "tcp", resilience: { retries: { attempts: 3 } } }),
    path: "services.db.resilience.retries",
    message: "retries need an L7 protocol, but the service is tcp",
  },
  {
    rule: "a per-try timeout is shorter than the request timeout",
    declare: (m) => void m.service("pay", { resilience: { requestTimeout: "1s", retries: { attempts: 2, perTryTimeout: "1s" } } }),
    path: "services.pay.resilience.retries.perTryTimeout",
    message: "perTryTimeout 1s is not shorter than requestTimeout 1s, so Envoy ignores it",
  },
  {
    rule: "a try cut off by the per-try timeout is retried",
    declare: (m) => void m.service("pay", { resilience: { retries: { attempts: 2, on: ["connect-failure"], perTryTimeout: "250ms" } } }),
    path: "services.pay.resilience.retries.on",
    message: "perTryTimeout is set but a try cut off (a 504) is retried only on 5xx or gateway-error, and on has neither",
  },
  {
    rule: "a route has no per-try timeout of its own",
    declare: (m) => {
      const v2 = m.service("pay-v2");
      m.service("pay", { routes: [{ pathPrefix: "/v2", service: v2, retries: { attempts: 2, perTryTimeout: "250ms" } }] });
    },
    path: "services.pay.routes[0].retries.perTryTimeout",
    message: "a route has no per-try timeout of its own: callers' sidecars apply the destination service's to every request they send it",
  },
  {
    rule: "L7 access rules need an L7 protocol",
    declare: (m) => {
      const db = m.service("db", { protocol: "tcp" });
      const api = m.service("api");
      db.allow(api, { paths: ["/admin"] });
    },
    path: "services.db.access[0].rule",
    message: "L7 rule (paths, methods, headers or JWT) on tcp service db",
  },
  {
    rule: "a failover subset has instances",
    declare: (m) => void m.service("payment-service", { instances: 2, failover: { subset: "backup" } }),
    path: "services.payment-service.failover.subset",
    message: 'failover subset "backup" has no instance',
  },
  {
    rule: "a failover service exists",
    declare: (m) => void m.service("payment-service", { failover: { service: "payment-dr" } }),
    path: "services.payment-service.failover.service",
    message: 'failover service "payment-dr" does not exist',
  },
  {
    rule: "a required scope is defined",
    props: { identity },
    declare: (m) => {
      const p = m.service("payment-service");
      const u = m.service("user-service");
      p.allow(u, { scopes: ["payments:refund"] });
    },
    path: "services.payment-service.access[0].rule.scopes[0]",
    message: 'scope "payments:refund" is required but never defined',
  },
  {
    rule: "a required role is defined",
    props: { identity },
    declare: (m) => {
      const p = m.service("payment-service");
      const u = m.service("user-service");
      p.allow(u, { roles: ["auditor"] });
    },
    path: "services.payment-service.access[0].rule.roles[0]",
    message: 'role "auditor" is required but never defined',
  },
  {
    rule: "a granted scope is defined",
    props: { identity },
    declare: (m) => void m.service("user-service", { identity: { scopes: ["orders:read"] } }),
    path: "services.user-service.identity.scopes[0]",
    message: 'scope "orders:read" is granted but never defined',
  },
  {
    rule: "a JWT rule needs the mesh identity",
    declare: (m) => {
      const p = m.service("payment-service");
      const u = m.service("user-service");
      p.allow(u, { scopes: ["payments:write"] });
    },
    path: "services.payment-service.access[0].rule",
    message: "rule requires a JWT but the mesh has no identity",
  },
  {
    rule: "an intention names a known service",
    declare: (m) => void m.service("payment-service").allow("billing"),
    path: "services.payment-service.access[0].caller",
    message: 'intention names unknown service "billing"',
  },
  {
    rule: "the JWT issuer matches Keycloak's hostname",
    props: { identity: { realm: "shop", issuer: "http://localhost:8080/realms/shop" } },
    declare: () => undefined,
    path: "identity.issuer",
    message: 'issuer "http://localhost:8080/realms/shop" cannot match tokens from Keycloak, which issues "http://keycloak:8080/realms/shop"',
  },
  {
    rule: "Keycloak's URL is reachable from sidecars",
    props: { identity: { realm: "shop", url: "http://auth.example.com" } },
    declare: () => undefined,
    path: "identity.url",
    message: "cannot be reached from the sidecars",
  },
  {
    rule: "a web app's redirect URI lies on a route to its service",
    props: { identity: { webApps: [{ clientId: "shop-web", service: "web", redirectUris: ["http://shop.test:8081/app/*"] }] } },
    declare: (m: Mesh) => {
      const web = m.service("web");
      m.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "shop.test", pathPrefix: "/app/", service: web }] }] });
    },
    path: "identity.webApps[0].redirectUris[0]",
    message: 'redirect URI "http://shop.test:8081/app/*" is not on a route to web',
  },
  {
    rule: "a web app's origin is the origin of one of its routes' hosts",
    props: { identity: { webApps: [{ clientId: "shop-web", service: "web", origins: ["https://evil.test"] }] } },
    declare: (m: Mesh) => {
      const web = m.service("web");
      m.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "shop.test", pathPrefix: "/app/", service: web }] }] });
    },
    path: "identity.webApps[0].origins[0]",
    message: 'origin "https://evil.test" is not the host of a route to the app (shop.test)',
  },
  {
    rule: "a web app needs an ingress route with a host to its service",
    props: { identity: { webApps: [{ clientId: "shop-web", service: "web" }] } },
    declare: (m) => void m.service("web"),
    path: "identity.webApps[0].service",
    message: "no http ingress route with a host leads to service web",
  },
  {
    rule: "a web app's client id is not a service's client id",
    props: { identity: { webApps: [{ clientId: "web", service: "web" }] } },
    declare: (m: Mesh) => {
      const web = m.service("web");
      m.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "shop.test", pathPrefix: "/app/", service: web }] }] });
    },
    path: "identity.webApps[0].clientId",
    message: 'client id "web" is already taken by service web\'s own client',
  },
  {
    rule: "an ingress routes to a known service",
    declare: (m) => void m.ingress("web", { listeners: [{ port: 8080, routes: [{ service: "storefront" }] }] }),
    path: "ingresses.web.listeners[0].routes[0].service",
    message: 'route to unknown service "storefront"',
  },
  {
    rule: "choiceCount only applies to least_request",
    declare: (m) => void m.service("payment-service", { loadBalancing: untyped({ policy: "random", choiceCount: 3 }) }),
    path: "services.payment-service.loadBalancing.choiceCount",
    message: 'choiceCount only applies to least_request, but policy is "random"',
  },
  {
    rule: "unknown props are reported (typos)",
    declare: (m) => void m.service("payment-service", untyped({ instance: 3 })),
    path: "services.payment-service",
    message: 'Unrecognized key: "instance"',
  },
  {
    rule: "a caller is allowed outright or by rules, not both",
    declare: (m) => {
      const p = m.service("payment-service");
      const u = m.service("user-service");
      p.allow(u);
      p.allow(u, { paths: ["/pay"] });
    },
    path: "services.payment-service.access[1]",
    message: "user-service is already allowed outright, so this rule has no effect",
  },
  {
    rule: "a token rule on an ingress needs a client that issues end users' tokens",
    props: { identity: { scopes: ["pay"] } },
    declare: (m) => {
      const p = m.service("pay");
      p.allow(m.ingress("web", { listeners: [{ port: 8080, routes: [{ service: p }] }] }), { scopes: ["pay"] });
    },
    path: "services.pay.access[0].rule",
    message: "rule requires a token from ingress web, but the mesh has no client that issues end users' tokens",
  },
  {
    rule: "an app is an image or a build, not both",
    declare: (m) => void m.service("api", { app: untyped({ image: "team/api:1", build: { context: "api" } }) }),
    path: "services.api.app",
    message: "an app needs exactly one of image or build",
  },
  {
    rule: "an image reference is well formed",
    declare: (m) => void m.service("api", { app: { image: "Team/API:latest!" } }),
    path: "services.api.app.image",
    message: '"Team/API:latest!" is not a valid image reference',
  },
  {
    rule: "a build has a context",
    declare: (m) => void m.service("api", { app: { build: { context: " " } } }),
    path: "services.api.app.build.context",
    message: "the build context is empty",
  },
  {
    rule: "a Dockerfile lies inside the build context",
    declare: (m) => void m.service("api", { app: { build: { context: "api", dockerfile: "../Dockerfile" } } }),
    path: "services.api.app.build.dockerfile",
    message: 'dockerfile "../Dockerfile" is not a path inside the build context',
  },
  {
    rule: "env names are valid",
    declare: (m) => void m.service("api", { app: { image: "api:1", env: { "LOG-LEVEL": "x" } } }),
    path: "services.api.app.env.LOG-LEVEL",
    message: '"LOG-LEVEL" is not a valid environment variable name',
  },
  {
    rule: "env cannot replace the app contract",
    declare: (m) => void m.service("api", { app: { image: "api:1", env: { LISTEN_ADDR: "0.0.0.0:80" } } }),
    path: "services.api.app.env.LISTEN_ADDR",
    message: "LISTEN_ADDR is set by the mesh (the app contract)",
  },
  {
    rule: "a secret-looking value in plain env is refused",
    declare: (m) => void m.service("api", { app: { image: "api:1", env: { DB_PASSWORD: "hunter2" } } }),
    path: "services.api.app.env.DB_PASSWORD",
    message: "DB_PASSWORD looks like a credential; plain env is stored in clear text",
  },
  {
    rule: "a private key in plain env is refused whatever its name",
    declare: (m) => void m.service("api", { instances: [{ env: { CONFIG: "-----BEGIN PRIVATE KEY-----\nMIIE" } }] }),
    path: "services.api.instances[0].env.CONFIG",
    message: "the value of CONFIG looks like a PEM private key",
  },
  {
    rule: "a secret is generated or supplied, the same for every service naming it",
    declare: (m) => {
      m.service("db", { app: { image: "db:1", secretEnv: { PASSWORD: { secret: "orders-db" } } } });
      m.service("api", { app: { image: "api:1", secretEnv: { DB_PASSWORD: { secret: "orders-db", source: "supplied" } } } });
    },
    path: "services.api.app.secretEnv.DB_PASSWORD.source",
    message: 'secret "orders-db" is "supplied" here but "generate" for db PASSWORD',
  },
  {
    rule: "app files have absolute paths",
    declare: (m) => void m.service("api", { app: { image: "api:1", files: [{ path: "etc/app.conf", content: "" }] } }),
    path: "services.api.app.files[0].path",
    message: '"etc/app.conf" is not an absolute file path',
  },
  {
    rule: "memory limits are above Docker's minimum",
    declare: (m) => void m.service("api", { app: { image: "api:1", resources: { memoryMiB: 4 } } }),
    path: "services.api.app.resources.memoryMiB",
    message: "4 MiB is below Docker's minimum of 6 MiB",
  },
  {
    rule: "a workload app's port does not take the workload's admin port",
    declare: (m) => void m.service("api", { port: 19100 }),
    path: "services.api.port",
    message: "port 19100 clashes with the workload's admin port",
  },
  {
    rule: "splits are given once",
    declare: (m) =>
      void m.service("api", {
        instances: [{ subset: "a" }, { subset: "b" }],
        splits: [{ subset: "a", weight: 1 }],
        loadBalancing: { policy: "weighted", splits: [{ subset: "b", weight: 1 }] },
      }),
    path: "services.api.splits",
    message: "splits are given twice",
  },
  {
    rule: "the default subset has instances",
    declare: (m) => void m.service("api", { instances: [{ subset: "a" }], defaultSubset: "blue" }),
    path: "services.api.defaultSubset",
    message: 'no instance of api is in subset "blue"',
  },
  {
    rule: "a route has at most one path condition",
    declare: (m) => void m.service("api", { routes: [{ pathPrefix: "/a/", pathExact: "/a" }] }),
    path: "services.api.routes[0]",
    message: "route sets pathPrefix and pathExact; a route matches one path condition",
  },
  {
    rule: "a route's path starts with /",
    declare: (m) => void m.service("api", { routes: [{ pathPrefix: "v2/" }] }),
    path: "services.api.routes[0].pathPrefix",
    message: 'path "v2/" does not start with "/"',
  },
  {
    rule: "a route's regex has no lookaround (RE2 has none)",
    declare: (m) => void m.service("api", { routes: [{ pathRegex: "/admin(?!/public)" }] }),
    path: "services.api.routes[0].pathRegex",
    message: "uses lookaround or a backreference, which RE2 (Envoy's regex engine) does not have",
  },
  {
    rule: "a route's regex is a regular expression",
    declare: (m) => void m.service("api", { routes: [{ queryParams: [{ name: "id", regex: "[0-9" }] }] }),
    path: "services.api.routes[0].queryParams[0].regex",
    message: "/[0-9/ is not a regular expression",
  },
  {
    rule: "a prefix rewrite needs a path to replace",
    declare: (m) => void m.service("api", { routes: [{ headers: [{ name: "x-v2" }], prefixRewrite: "/v2/" }] }),
    path: "services.api.routes[0].prefixRewrite",
    message: "prefixRewrite replaces the matched path prefix, but the route matches none",
  },
  {
    rule: "a route edits each header once",
    declare: (m) => void m.service("api", { routes: [{ pathPrefix: "/a/", requestHeaders: { set: { "x-tenant": "a" }, remove: ["X-Tenant"] } }] }),
    path: "services.api.routes[0].requestHeaders.remove",
    message: "header X-Tenant is both set and removed",
  },
  {
    rule: "a route cannot set a header the mesh strips so services can trust it",
    declare: (m) => void m.service("api", { routes: [{ pathPrefix: "/a/", requestHeaders: { set: { "X-Forwarded-For": "10.0.0.1" } } }] }),
    path: "services.api.routes[0].requestHeaders.set",
    message: "X-Forwarded-For is removed from every request so services can trust it; a route cannot set it",
  },
  {
    rule: "a split cannot add a header the mesh strips either",
    declare: (m) =>
      void m.service("api", {
        instances: [{ subset: "a" }, { subset: "b" }],
        splits: [
          { subset: "a", weight: 1, requestHeaders: { add: { "x-envoy-internal": "true" } } },
          { subset: "b", weight: 1 },
        ],
      }),
    path: "services.api.splits[0].requestHeaders.add",
    message: "x-envoy-internal is removed from every request so services can trust it",
  },
  {
    rule: "a header condition has one value matcher",
    declare: (m) => void m.service("api", { routes: [{ headers: [{ name: "x-tenant", exact: "a", contains: "b" }] }] }),
    path: "services.api.routes[0].headers[0]",
    message: "header x-tenant sets exact and contains; a condition has one",
  },
  {
    rule: "ignoreCase does not apply to a regex",
    declare: (m) => void m.service("api", { routes: [{ headers: [{ name: "x-tenant", regex: "a.*", ignoreCase: true }] }] }),
    path: "services.api.routes[0].headers[0].ignoreCase",
    message: "ignoreCase does not apply to regex",
  },
  {
    rule: "ignoreCase needs a value to compare",
    declare: (m) => {
      const api = m.service("api");
      api.allow(m.service("ui"), { headers: [{ name: "x-tenant", ignoreCase: true }] });
    },
    path: "services.api.access[0].rule.headers[0].ignoreCase",
    message: "ignoreCase needs a value to compare",
  },
  {
    rule: "a query parameter condition has one value matcher",
    declare: (m) => void m.service("api", { routes: [{ queryParams: [{ name: "tier", exact: "gold", regex: "g.*" }] }] }),
    path: "services.api.routes[0].queryParams[0]",
    message: "query parameter tier sets exact and regex; a condition has one",
  },
  {
    rule: "a route's subset has instances",
    declare: (m) => void m.service("api", { instances: [{ subset: "v1" }], routes: [{ pathPrefix: "/beta/", subset: "v2" }] }),
    path: "services.api.routes[0].subset",
    message: 'no instance of api is in subset "v2"',
  },
  {
    rule: "a route goes to a known service",
    declare: (m) => void m.service("api", { routes: [{ pathPrefix: "/pay/", service: "payment-servce" }] }),
    path: "services.api.routes[0].service",
    message: 'route to unknown service "payment-servce"',
  },
  {
    rule: "routes need an L7 service",
    declare: (m) => void m.service("db", { protocol: "tcp", routes: [{ pathPrefix: "/a/" }] }),
    path: "services.db.routes",
    message: "routes need an L7 protocol, but db is tcp",
  },
  {
    rule: "a route cannot send to a tcp service",
    declare: (m) => {
      const db = m.service("db", { protocol: "tcp" });
      m.service("api", { routes: [{ pathPrefix: "/db/", service: db }] });
    },
    path: "services.api.routes[0].service",
    message: "route to tcp service db: a router can only send HTTP and gRPC",
  },
  {
    rule: "no route comes after a catch-all",
    declare: (m) => void m.service("api", { instances: [{ subset: "v1" }, { subset: "v2" }], routes: [{ subset: "v2" }, { pathPrefix: "/beta/" }] }),
    path: "services.api.routes[1]",
    message: "unreachable: routes[0] takes every request first",
  },
  {
    rule: "an ingress route is not shadowed by a plain route of its host declared first",
    declare: (m) => {
      const api = m.service("api", { instances: [{ subset: "v1" }, { subset: "v2" }] });
      m.ingress("edge", {
        listeners: [
          {
            port: 8080,
            routes: [
              { host: "shop.test", service: api },
              { host: "shop.test", headers: [{ name: "x-canary" }], subset: "v2", service: api },
            ],
          },
        ],
      });
    },
    path: "ingresses.edge.listeners[0].routes[1]",
    message: "unreachable: routes[0] takes every request for host shop.test first",
  },
  {
    rule: "an ingress route's timeout is a duration",
    declare: (m) => {
      const api = m.service("api");
      m.ingress("edge", { listeners: [{ port: 8080, routes: [{ pathPrefix: "/a/", requestTimeout: untyped("5"), service: api }] }] });
    },
    path: "ingresses.edge.listeners[0].routes[0].requestTimeout",
    message: '"5" is not a duration',
  },
  {
    rule: "failover lists targets or names one target, not both",
    declare: (m) => {
      m.service("payment-dr");
      m.service("payment-service", { instances: [{}, { subset: "backup" }], failover: { targets: [{ service: "payment-dr" }] } });
    },
    asData: (spec) => ({
      ...spec,
      services: spec.services.map((s) => (s.failover ? { ...s, failover: { ...s.failover, subset: "backup" } } : s)),
    }),
    path: "services.payment-service.failover",
    message: "failover sets targets and also subset or service",
  },
  {
    rule: "failover targets are not empty",
    declare: (m) => void m.service("payment-service", { failover: { targets: [] } }),
    path: "services.payment-service.failover.targets",
    message: "failover has an empty target list",
  },
  {
    rule: "each failover target is listed once",
    declare: (m) => {
      const dr = m.service("payment-dr");
      m.service("payment-service", { failover: { targets: [{ service: dr }, { service: "payment-dr" }] } });
    },
    path: "services.payment-service.failover.targets[1]",
    message: "failover target payment-dr is listed twice",
  },
  {
    rule: "a failover target's subset of another service has instances",
    declare: (m) => {
      const dr = m.service("payment-dr", { instances: [{ subset: "cold" }] });
      m.service("payment-service", { failover: { targets: [{ service: dr, subset: "warm" }] } });
    },
    path: "services.payment-service.failover.targets[0].subset",
    message: 'failover subset "warm" of payment-dr has no instance',
  },
  {
    rule: "failover leaves some instances as primaries",
    declare: (m) =>
      void m.service("payment-service", {
        instances: [{ subset: "b1" }, { subset: "b2" }],
        failover: { targets: [{ subset: "b1" }, { subset: "b2" }] },
      }),
    path: "services.payment-service.failover",
    message: "every instance is in a failover subset (b1, b2), so there is no primary",
  },
  {
    rule: 'subset name "all" is reserved for the synthetic default subset',
    declare: (m) => void m.service("api", { instances: [{}, { subset: "all" }] }),
    path: "services.api.instances[1].subset",
    message: 'subset "all" is reserved',
  },
  {
    rule: 'subset names "not-*" are reserved for the synthetic default subset',
    declare: (m) => void m.service("api", { instances: [{ subset: "not-backup" }, { subset: "backup" }] }),
    path: "services.api.instances[0].subset",
    message: 'subset "not-backup" is reserved',
  },
  {
    rule: "enforcingPercent is a percentage",
    declare: (m) => void m.service("api", { resilience: { outlierDetection: { consecutive5xx: 5, enforcingPercent: 101 } } }),
    path: "services.api.resilience.outlierDetection.enforcingPercent",
    message: "Too big: expected number to be <=100",
  },
  {
    rule: "an even number of Consul servers adds no fault tolerance",
    declare: (m) => void m.service("api"),
    props: { consul: { servers: 4 } },
    path: "consul.servers",
    message: "a quorum is a majority (3 of 4)",
  },
  {
    rule: "a mesh has at least one Consul server",
    declare: (m) => void m.service("api"),
    props: { consul: { servers: 0 } },
    path: "consul.servers",
    message: "a mesh needs at least one",
  },
  {
    rule: "at most 7 Consul servers",
    declare: (m) => void m.service("api"),
    props: { consul: { servers: 9 } },
    path: "consul.servers",
    message: "more than 7 slow every change",
  },
  {
    rule: "no service takes a Consul server's name",
    declare: (m) => void m.service("consul-3"),
    props: { consul: { servers: 3 } },
    path: "services.consul-3",
    message: "is the name of Consul server 3",
  },
];

describe("validation rules: each reports its path, what is wrong and a hint", () => {
  it.each(cases.map((c) => [c.rule, c] as const))("%s", (_rule, c) => {
    const issues = issuesOf(c.declare, c.props, c.asData);
    expect(issues).toContainEqual(expect.objectContaining({ path: c.path, message: expect.stringContaining(c.message) }));
    for (const issue of issues) expect(issue.hint.length).toBeGreaterThan(10);
  });

  it("covers at least 15 distinct rules", () => {
    expect(new Set(cases.map((c) => c.rule)).size).toBeGreaterThanOrEqual(15);
  });

  it("accepts the valid building blocks the rules are made of", () => {
    expect(
      issuesOf(
        (m) => {
          const p = m.service("payment-service");
          const u = m.service("user-service", { upstreams: [p] });
          p.allow(u, { paths: ["/pay"], scopes: ["payments:write"], roles: ["admin"] });
        },
        { identity },
      ),
    ).toEqual([]);
  });
});

describe("compile refuses an invalid mesh with one MeshValidationError", () => {
  it("throws MeshValidationError whose message lists the issue with path and hint", () => {
    const mesh = new Mesh("shop");
    mesh.service("user-service", { upstreams: ["ghost"] });
    expect(() => compile(mesh)).toThrow(MeshValidationError);
    expect(() => compile(mesh)).toThrow(
      'mesh is invalid (1 issue):\n  - services.user-service.upstreams[0]: unknown upstream "ghost" (hint: declare it with mesh.service("ghost", {...}) or fix the name (known: user-service))',
    );
  });

  it("never throws for malformed plain data, only reports", () => {
    expect(validate(untyped<MeshSpec>({ name: 3, services: "x" }))).toEqual(expect.arrayContaining([expect.objectContaining({ path: "name" })]));
    expect(validate(untyped<MeshSpec>(null)).length).toBeGreaterThan(0);
  });
});
