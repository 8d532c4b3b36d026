import { compile, Mesh, type ConfigEntry, type MeshPlan, type MeshSpec } from "../../sdk";
import { AMBIGUOUS_PATH } from "../../sdk/compile/consul/intentions";
import { APPLY_HEALTH_CHANGES_AT_ONCE, inboundLua } from "../../sdk/compile/consul/proxy-defaults";
import { UNTRUSTED_REQUEST_HEADERS } from "../../sdk/compile/consul/router";
import shop from "../../examples/shop";

const entries = (plan: MeshPlan, kind: ConfigEntry["Kind"]) => plan.consul.configEntries.filter((e) => e.Kind === kind);
const entry = (plan: MeshPlan, kind: ConfigEntry["Kind"], name: string) => plan.consul.configEntries.find((e) => e.Kind === kind && e.Name === name);

describe("ingress routing", () => {
  it("routes a host with several paths through a virtual service and router, longest prefix first", () => {
    const mesh = new Mesh("shop");
    const web = mesh.service("web");
    const api = mesh.service("api");
    const admin = mesh.service("admin");
    mesh.ingress("edge", {
      listeners: [
        {
          port: 8080,
          routes: [
            { host: "shop.test", pathPrefix: "/", service: web },
            { host: "shop.test", pathPrefix: "/api", service: api },
            { host: "admin.test", service: admin },
          ],
        },
      ],
    });
    const plan = compile(mesh);
    expect(entry(plan, "ingress-gateway", "edge")).toEqual({
      Kind: "ingress-gateway",
      Name: "edge",
      Listeners: [
        {
          Port: 8080,
          Protocol: "http",
          Services: [
            { Name: "edge-8080-1", Hosts: ["shop.test"], RequestHeaders: expect.anything() },
            { Name: "admin", Hosts: ["admin.test"], RequestHeaders: expect.anything() },
          ],
        },
      ],
    });
    expect(entry(plan, "service-defaults", "edge-8080-1")).toEqual({ Kind: "service-defaults", Name: "edge-8080-1", Protocol: "http" });
    expect(entry(plan, "service-router", "edge-8080-1")).toEqual({
      Kind: "service-router",
      Name: "edge-8080-1",
      Routes: [
        { Match: { HTTP: { PathPrefix: "/api" } }, Destination: { Service: "api", RequestHeaders: { Remove: [...UNTRUSTED_REQUEST_HEADERS] } } },
        { Match: { HTTP: { PathPrefix: "/" } }, Destination: { Service: "web", RequestHeaders: { Remove: [...UNTRUSTED_REQUEST_HEADERS] } } },
      ],
    });
    // the gateway may reach each service only on the path prefixes routed to it
    const allowedPaths = (target: string) =>
      (
        (entry(plan, "service-intentions", target)?.["Sources"] as { Name: string; Permissions: { Action: string; HTTP: { PathPrefix?: string } }[] }[])[0]
          ?.Permissions ?? []
      )
        .filter((p) => p.Action === "allow")
        .map((p) => p.HTTP.PathPrefix);
    expect([allowedPaths("web"), allowedPaths("api"), allowedPaths("admin")]).toEqual([["/"], ["/api"], ["/"]]);
    const gw = plan.containers.find((c) => c.name === "edge");
    expect(gw?.command.slice(0, 6)).toEqual(["-gateway=ingress", "-register", "-service", "edge", "-address", '{{ GetInterfaceIP "eth0" }}:21000']);
    // no local agent: the gateway reaches the server over TLS, with its own token
    expect(gw?.env).toEqual({
      CONSUL_HTTP_ADDR: "https://consul:8501",
      CONSUL_CACERT: "/consul/config/tls/ca.pem",
      CONSUL_GRPC_ADDR: "https://consul:8503",
      CONSUL_GRPC_CACERT: "/consul/config/tls/ca.pem",
      CONSUL_HTTP_TOKEN: "{{secret:consul/token/gateway-edge}}",
    });
  });
});

describe("failover", () => {
  it("fails over to a backup service for every subset", () => {
    const mesh = new Mesh("dr");
    mesh.service("payment-dr");
    mesh.service("payment", { failover: { service: "payment-dr" } });
    expect(entry(compile(mesh), "service-resolver", "payment")).toEqual({
      Kind: "service-resolver",
      Name: "payment",
      Failover: { "*": { Service: "payment-dr" } },
    });
  });

  it("keeps default traffic off the backup subset when several primary subsets exist", () => {
    const mesh = new Mesh("dr");
    mesh.service("payment", { instances: [{ subset: "v1" }, { subset: "v2" }, { subset: "backup" }], failover: { subset: "backup" } });
    expect(entry(compile(mesh), "service-resolver", "payment")).toMatchObject({
      DefaultSubset: "not-backup",
      Subsets: { "not-backup": { Filter: 'Service.Meta.subset != "backup"', OnlyPassing: false } },
      Failover: { v1: { ServiceSubset: "backup" }, v2: { ServiceSubset: "backup" }, "not-backup": { ServiceSubset: "backup" } },
    });
  });
});

describe("access", () => {
  it("orders deny permissions before allow permissions, and maps headers and roles", () => {
    const mesh = new Mesh("acl", { identity: { roles: ["admin"] } });
    const api = mesh.service("api");
    const ui = mesh.service("ui");
    api.allow(ui, { paths: ["/"], roles: ["admin"], headers: [{ name: "x-tenant", exact: "a" }] });
    api.deny(ui, { paths: ["/internal"], methods: ["DELETE"] });
    expect(entry(compile(mesh), "service-intentions", "api")).toEqual({
      Kind: "service-intentions",
      Name: "api",
      Sources: [
        {
          Name: "ui",
          Permissions: [
            { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } },
            // deny rules ignore case, so /INTERNAL cannot slip past them
            { Action: "deny", HTTP: { PathRegex: "(?i)/internal.*", Methods: ["DELETE"] } },
            {
              Action: "allow",
              HTTP: { PathPrefix: "/", Header: [{ Name: "x-tenant", Exact: "a" }] },
              JWT: {
                Providers: [
                  {
                    Name: "keycloak-api",
                    VerifyClaims: [
                      { Path: ["azp"], Value: "ui" },
                      { Path: ["meshwright", "roles", "admin"], Value: "true" },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it("denies an exact path with any trailing slashes, and without regard to case", () => {
    const mesh = new Mesh("deny", {});
    const api = mesh.service("api");
    const ui = mesh.service("ui");
    api.allow(ui, { paths: ["/"] });
    api.deny(ui, { exactPaths: ["/value/supersecret", "/admin/"] });
    const sources = entry(compile(mesh), "service-intentions", "api")?.["Sources"] as { Permissions: { Action: string; HTTP: { PathRegex?: string } }[] }[];
    const denies = sources[0]!.Permissions.filter((p) => p.Action === "deny" && p.HTTP.PathRegex !== AMBIGUOUS_PATH).map((p) => p.HTTP.PathRegex!);
    expect(denies).toEqual(["(?i)/value/supersecret/*", "(?i)/admin/*"]);
    // Envoy matches a PathRegex against the whole path (RE2 full match)
    const denied = (path: string) => denies.some((r) => new RegExp(`^(?:${r.replace("(?i)", "")})$`, "i").test(path));
    for (const path of ["/value/supersecret", "/value/supersecret/", "/value/supersecret//", "/VALUE/SUPERSECRET/", "/admin", "/admin/"])
      expect([path, denied(path)]).toEqual([path, true]);
    for (const path of ["/value/supersecrets", "/value/supersecret/x", "/admin/x", "/value"]) expect([path, denied(path)]).toEqual([path, false]);
  });

  it("takes only end users' tokens through an ingress: a service's token replayed from outside is refused", () => {
    const mesh = new Mesh("edge", { identity: { scopes: ["pay"], unsafePasswordGrantClient: true } });
    const pay = mesh.service("pay");
    const web = mesh.ingress("web", { listeners: [{ port: 8080, routes: [{ service: pay }] }] });
    pay.allow(web, { paths: ["/pay"], scopes: ["pay"] });
    const sources = entry(compile(mesh), "service-intentions", "pay")?.["Sources"] as {
      Permissions: { JWT?: { Providers: { VerifyClaims: unknown[] }[] } }[];
    }[];
    expect(sources[0]?.Permissions[1]?.JWT?.Providers[0]?.VerifyClaims).toEqual([
      { Path: ["azp"], Value: "mesh-tests" },
      { Path: ["meshwright", "scopes", "pay"], Value: "true" },
    ]);
  });

  it("allows a tcp caller outright at L4", () => {
    const mesh = new Mesh("l4");
    const db = mesh.service("db", { protocol: "tcp", port: 5432 });
    const app = mesh.service("app", { upstreams: [db] });
    db.allow(app);
    const plan = compile(mesh);
    expect(entry(plan, "service-intentions", "db")).toEqual({ Kind: "service-intentions", Name: "db", Sources: [{ Name: "app", Action: "allow" }] });
    expect(entry(plan, "service-defaults", "db")).toEqual({ Kind: "service-defaults", Name: "db", Protocol: "tcp" });
    expect(plan.services.find((s) => s.name === "db")?.instances[0]?.registration["checks"]).toEqual([
      { id: "db-1-health", name: "db TCP", tcp: "127.0.0.1:5432", interval: "5s", timeout: "2s" },
    ]);
  });
});

describe("identity", () => {
  it("proves roles with a client scope mapped to the role, so only holders get the claim", () => {
    const mesh = new Mesh("idp", { identity: { roles: ["admin"], users: [{ username: "alice", roles: ["admin"] }] } });
    mesh.service("api", { identity: { roles: ["admin"] } });
    const realm = compile(mesh).keycloak?.realm as Record<string, unknown>;
    expect(realm["scopeMappings"]).toEqual([{ clientScope: "role:admin", roles: ["admin"] }]);
    expect(realm["users"]).toEqual([
      { username: "service-account-api", enabled: true, serviceAccountClientId: "api", realmRoles: ["admin"] },
      expect.objectContaining({
        username: "alice",
        credentials: [{ type: "password", value: "{{secret:keycloak/user/alice}}", temporary: false }],
        realmRoles: ["admin"],
      }),
    ]);
  });

  it("grants a scope only to the service accounts and users the mesh grants it to", () => {
    const mesh = new Mesh("idp", {
      identity: {
        scopes: ["orders:read", "orders:write"],
        users: [{ username: "ann", scopes: ["orders:read"] }, { username: "bob" }],
        unsafePasswordGrantClient: true,
      },
    });
    mesh.service("reader", { identity: { scopes: ["orders:read"] } });
    mesh.service("other");
    const realm = compile(mesh).keycloak?.realm as {
      scopeMappings: unknown;
      users: { username: string; realmRoles: string[] }[];
      clients: { clientId: string; defaultClientScopes: string[]; optionalClientScopes: string[] }[];
    };
    expect(realm.scopeMappings).toEqual([
      { clientScope: "orders:read", roles: ["meshwright-scope:orders:read"] },
      { clientScope: "orders:write", roles: ["meshwright-scope:orders:write"] },
    ]);
    const roles = Object.fromEntries(realm.users.map((u) => [u.username, u.realmRoles]));
    expect(roles).toEqual({
      "service-account-reader": ["meshwright-scope:orders:read"],
      "service-account-other": [],
      ann: ["meshwright-scope:orders:read"],
      bob: [],
    });
    const clients = Object.fromEntries(realm.clients.map((c) => [c.clientId, [c.defaultClientScopes, c.optionalClientScopes]]));
    expect(clients).toEqual({ reader: [["orders:read"], []], other: [[], []], "mesh-tests": [[], ["orders:read", "orders:write"]] });
  });

  it("issues no password-grant client unless a mesh asks for it", () => {
    const mesh = new Mesh("idp", { identity: { users: [{ username: "ann" }] } });
    mesh.service("api");
    const plan = compile(mesh);
    expect(plan.keycloak?.clients).toEqual([{ clientId: "api", secret: "keycloak/client/api", service: "api", grants: ["client_credentials"] }]);
  });

  it("sets a service's own token lifetime", () => {
    const mesh = new Mesh("idp", { identity: {} });
    mesh.service("api", { identity: { tokenLifetimeSeconds: 60 } });
    const realm = compile(mesh).keycloak?.realm as { clients: Record<string, unknown>[] };
    expect(realm.clients[0]?.["attributes"]).toEqual({ "access.token.lifespan": "60" });
  });

  it("keeps the realm in PostgreSQL by default: a database container Keycloak logs into with a generated password and waits for", () => {
    const mesh = new Mesh("idp", { identity: {} });
    mesh.service("api");
    const plan = compile(mesh);
    const postgres = plan.containers.find((c) => c.role === "postgres");
    const keycloak = plan.containers.find((c) => c.role === "keycloak");
    expect(postgres).toMatchObject({
      name: "postgres",
      image: "meshwright/postgres:15",
      env: { POSTGRES_USER: "keycloak", POSTGRES_DB: "keycloak", POSTGRES_PASSWORD: "{{secret:postgres/keycloak-password}}" },
      networkAliases: ["postgres"],
      security: { capDrop: ["ALL"], noNewPrivileges: true },
      healthCheck: expect.objectContaining({ test: ["CMD", "pg_isready", "--quiet"] }),
      restartPolicy: "unless-stopped",
      ports: [],
    });
    expect(keycloak).toMatchObject({
      image: "meshwright/keycloak:26.7.3",
      env: expect.objectContaining({
        KC_DB_URL: "jdbc:postgresql://postgres:5432/keycloak",
        KC_DB_USERNAME: "keycloak",
        KC_DB_PASSWORD: "{{secret:postgres/keycloak-password}}",
      }),
      dependsOn: ["postgres"],
    });
    const names = plan.containers.map((c) => c.name);
    expect(names.indexOf("postgres")).toBeLessThan(names.indexOf("keycloak"));
    expect(plan.secrets).toContainEqual({ name: "postgres/keycloak-password", purpose: expect.any(String), generate: { kind: "password" } });
    expect(plan.images).toMatchObject({ keycloak: "meshwright/keycloak:26.7.3", postgres: "meshwright/postgres:15" });
  });

  it('with database: "embedded", runs the dev-file build of Keycloak and no database container', () => {
    const mesh = new Mesh("idp", { identity: { database: "embedded" } });
    mesh.service("api");
    const plan = compile(mesh);
    expect(plan.containers.filter((c) => c.role === "postgres")).toEqual([]);
    const keycloak = plan.containers.find((c) => c.role === "keycloak")!;
    expect(keycloak.image).toBe("meshwright/keycloak:26.7.3-embedded");
    expect(Object.keys(keycloak.env).filter((k) => k.startsWith("KC_DB"))).toEqual([]);
    expect(keycloak.dependsOn).toEqual([]);
    expect(plan.secrets.map((s) => s.name)).not.toContain("postgres/keycloak-password");
    expect(plan.images.keycloak).toBe("meshwright/keycloak:26.7.3-embedded");
    expect(plan.images.postgres).toBeUndefined();
  });

  it("refuses a database Keycloak is not built for", () => {
    const spec = { name: "idp", services: [{ name: "api" }], identity: { database: "mysql" } } as unknown as MeshSpec;
    expect(() => compile(spec)).toThrow(/identity\.database/);
  });

  it("gives a web app a public PKCE client whose redirect URIs and origins are its ingress routes", () => {
    const mesh = new Mesh("shop", {
      identity: {
        roles: ["shopper"],
        scopes: ["orders:read"],
        webApps: [{ clientId: "shop-web", service: "web", scopes: ["orders:read"], accessTokenLifetimeSeconds: 30 }],
      },
    });
    const web = mesh.service("web");
    const api = mesh.service("api");
    const edge = mesh.ingress("edge", {
      listeners: [
        {
          port: 8080,
          routes: [
            { host: "shop.test", service: web },
            { host: "shop.test", pathPrefix: "/api/", service: api },
          ],
        },
        { port: 80, routes: [{ host: "shop.example", pathPrefix: "/app/", service: web }] },
      ],
    });
    api.allow(edge, { roles: ["shopper"] });
    const plan = compile(mesh);
    const client = (plan.keycloak?.realm as { clients: Record<string, unknown>[] }).clients.find((c) => c["clientId"] === "shop-web");
    expect(client).toMatchObject({
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      redirectUris: ["http://shop.test:8080/", "http://shop.example/app/"],
      webOrigins: ["http://shop.test:8080", "http://shop.example"],
      attributes: { "pkce.code.challenge.method": "S256", "post.logout.redirect.uris": "+", "access.token.lifespan": "30" },
      defaultClientScopes: ["role:shopper", "orders:read"],
    });
    const mappers = (client?.["protocolMappers"] as { config: Record<string, string> }[]).map((m) => m.config["included.custom.audience"]);
    expect(mappers).toContain("api");
    // Through the ingress, the API takes the web app's tokens (azp) with the role.
    const intentions = plan.consul.configEntries.find((e) => e.Kind === "service-intentions" && e.Name === "api") as unknown as {
      Sources: { Name: string; Permissions: { JWT?: unknown }[] }[];
    };
    expect(intentions.Sources[0]?.Permissions.find((p) => p.JWT)?.JWT).toEqual({
      Providers: [
        {
          Name: expect.any(String),
          VerifyClaims: [
            { Path: ["azp"], Value: "shop-web" },
            { Path: ["meshwright", "roles", "shopper"], Value: "true" },
          ],
        },
      ],
    });
    expect(plan.keycloak?.clients).toContainEqual({
      clientId: "shop-web",
      public: true,
      grants: ["authorization_code"],
      web: {
        service: "web",
        redirectUris: ["http://shop.test:8080/", "http://shop.example/app/"],
        origins: ["http://shop.test:8080", "http://shop.example"],
      },
    });
  });

  it("uses a web app's declared public origin for a load balancer in front of the ingress", () => {
    const mesh = new Mesh("shop", { identity: { webApps: [{ clientId: "shop-web", service: "web", origins: ["https://shop.test"] }] } });
    const web = mesh.service("web");
    mesh.ingress("edge", { listeners: [{ port: 8080, routes: [{ host: "shop.test", service: web }] }] });
    const client = compile(mesh).keycloak?.clients.find((c) => c.clientId === "shop-web");
    expect(client?.web).toEqual({ service: "web", redirectUris: ["https://shop.test/"], origins: ["https://shop.test"] });
  });

  it("hands each app its client credentials, the token URL and the issuer", () => {
    const app = compile(shop).containers.find((c) => c.name === "user-service-1-app");
    expect(app?.env).toMatchObject({
      OAUTH_CLIENT_ID: "user-service",
      OAUTH_CLIENT_SECRET: "{{secret:keycloak/client/user-service}}",
      OAUTH_TOKEN_URL: "http://keycloak:8080/realms/shop/protocol/openid-connect/token",
      OAUTH_ISSUER: "http://keycloak:8080/realms/shop",
    });
  });
});

describe("apps", () => {
  it("runs a user's image with its command, args, env, secret env, files, user and limits", () => {
    const mesh = new Mesh("own", { identity: {} });
    const stock = mesh.service("stock", { port: 9000 });
    mesh.service("api", {
      port: 8000,
      upstreams: [stock],
      app: {
        image: "team/api:1.2.0",
        command: ["/app/run"],
        args: ["--verbose"],
        env: { LOG_LEVEL: "debug" },
        secretEnv: { DB_PASSWORD: { secret: "api-db" } },
        files: [{ path: "/etc/api/config.yaml", content: "a: 1\n" }],
        user: "1000:1000",
        resources: { cpus: 0.5, memoryMiB: 256 },
      },
      instances: [{ env: { ZONE: "a" } }, { env: { ZONE: "b" } }],
    });
    const plan = compile(mesh);
    const app = plan.containers.find((c) => c.name === "api-2-app");
    expect(app).toMatchObject({
      image: "team/api:1.2.0",
      entrypoint: ["/app/run"],
      command: ["--verbose"],
      user: "1000:1000",
      resources: { nanoCpus: 500_000_000, memoryBytes: 268_435_456 },
      files: [{ path: "/etc/api/config.yaml", content: "a: 1\n", mode: 0o444 }],
      security: { capDrop: ["NET_RAW"], noNewPrivileges: true },
      networkMode: { container: "api-2" },
    });
    expect(app?.healthCheck).toBeUndefined();
    expect(app?.env).toEqual({
      SERVICE_NAME: "api",
      INSTANCE_ID: "api-2",
      VERSION: "v1",
      LISTEN_ADDR: "127.0.0.1:8000",
      PORT: "8000",
      UPSTREAMS: "stock=127.0.0.1:9001",
      UPSTREAM_STOCK_URL: "http://127.0.0.1:9001",
      OAUTH_CLIENT_ID: "api",
      OAUTH_CLIENT_SECRET: "{{secret:keycloak/client/api}}",
      OAUTH_TOKEN_URL: "http://keycloak:8080/realms/own/protocol/openid-connect/token",
      OAUTH_ISSUER: "http://keycloak:8080/realms/own",
      TRACE_HEADERS: "traceparent,tracestate,x-request-id,x-b3-traceid,x-b3-spanid,x-b3-parentspanid,x-b3-sampled,x-b3-flags,b3",
      LOG_LEVEL: "debug",
      ZONE: "b",
      DB_PASSWORD: "{{secret:app/api-db}}",
    });
    expect(plan.secrets.find((x) => x.name === "app/api-db")).toEqual({
      name: "app/api-db",
      purpose: 'app secret "api-db" (api DB_PASSWORD)',
      generate: { kind: "password" },
    });
    expect(plan.services.find((s) => s.name === "api")?.app).toMatchObject({
      kind: "image",
      image: "team/api:1.2.0",
      healthCheck: { kind: "http", path: "/health" },
    });
  });

  it("builds an app from a Dockerfile into a local repository tagged by the realizer", () => {
    const mesh = new Mesh("own");
    mesh.service("api", { app: { build: { context: "apps/api", args: { PY: "3.11" }, target: "runtime" } } });
    const plan = compile(mesh);
    expect(plan.builds).toEqual([
      { name: "api", context: "apps/api", dockerfile: "Dockerfile", args: { PY: "3.11" }, target: "runtime", repository: "meshwright-app/own-api" },
    ]);
    expect(plan.containers.find((c) => c.name === "api-1-app")).toMatchObject({ image: "meshwright-app/own-api", build: "api" });
  });

  it("gives every instance an idle probe in its namespace that checks the app for it", () => {
    const mesh = new Mesh("own");
    mesh.service("api", { port: 8000, app: { image: "team/api:1" } });
    mesh.service("db", { port: 5432, protocol: "tcp", app: { image: "team/db:1" } });
    const plan = compile(mesh);
    const probe = (name: string) => plan.containers.find((c) => c.name === name);
    expect(probe("api-1-probe")).toMatchObject({
      role: "probe",
      image: plan.images.workload,
      command: ["probe"],
      networkMode: { container: "api-1" },
      healthOf: "api-1-app",
      dependsOn: ["api-1-app"],
    });
    expect(probe("api-1-probe")?.healthCheck?.test).toEqual(["CMD", "workload", "get", "http://127.0.0.1:8000/health", "--timeout-ms", "2000"]);
    expect(probe("db-1-probe")?.healthCheck?.test).toEqual(["CMD", "workload", "dial", "127.0.0.1:5432", "--timeout-ms", "2000"]);
    expect(plan.services[0]?.instances[0]?.ports).toEqual({ app: 8000, envoyAdmin: 19000, sidecarPublic: 21000, agentHttp: 8500 });
  });

  it("keeps the workload's admin API on its own loopback port", () => {
    const app = compile(shop).containers.find((c) => c.name === "payment-service-1-app");
    expect(app?.env["ADMIN_ADDR"]).toBe("127.0.0.1:19100");
    expect(compile(shop).services[0]?.instances[0]?.ports.workloadAdmin).toBe(19100);
  });
});

describe("traffic management", () => {
  it("combines subset splits with any load-balancing policy", () => {
    const mesh = new Mesh("split");
    mesh.service("api", {
      instances: [{ subset: "v1" }, { subset: "v1" }, { subset: "v2" }],
      splits: [
        { subset: "v1", weight: 3 },
        { subset: "v2", weight: 1 },
      ],
      loadBalancing: { policy: "least_request" },
    });
    const plan = compile(mesh);
    expect(entry(plan, "service-splitter", "api")).toEqual({
      Kind: "service-splitter",
      Name: "api",
      Splits: [
        { Weight: 75, ServiceSubset: "v1" },
        { Weight: 25, ServiceSubset: "v2" },
      ],
    });
    expect(entry(plan, "service-resolver", "api")).toMatchObject({ LoadBalancer: { Policy: "least_request" } });
  });

  it("names the primary instances: the default subset's, or all outside the backup", () => {
    const mesh = new Mesh("primaries");
    mesh.service("a", { instances: [{ subset: "blue" }, { subset: "green" }, { subset: "backup" }], failover: { subset: "backup" } });
    mesh.service("b", { instances: [{ subset: "blue" }, { subset: "green" }, { subset: "backup" }], failover: { subset: "backup" }, defaultSubset: "green" });
    mesh.service("c", { instances: [{ subset: "blue" }, { subset: "green" }] });
    const primaries = Object.fromEntries(compile(mesh).services.map((s) => [s.name, s.primaryInstances]));
    expect(primaries).toEqual({ a: ["a-1", "a-2"], b: ["b-2"], c: ["c-1", "c-2"] });
    expect(entry(compile(mesh), "service-resolver", "b")).toMatchObject({
      DefaultSubset: "green",
      Failover: { blue: { ServiceSubset: "backup" }, green: { ServiceSubset: "backup" } },
    });
  });

  it("strips headers a caller could forge on every route into an HTTP service", () => {
    const mesh = new Mesh("strip");
    mesh.service("api");
    expect(entry(compile(mesh), "service-router", "api")).toEqual({
      Kind: "service-router",
      Name: "api",
      Routes: [{ Match: { HTTP: { PathPrefix: "/" } }, Destination: { Service: "api", RequestHeaders: { Remove: [...UNTRUSTED_REQUEST_HEADERS] } } }],
    });
  });
});

describe("warnings", () => {
  it("warns about an upstream no rule allows and a failover target that does not allow the caller", () => {
    const mesh = new Mesh("warn");
    const dr = mesh.service("pay-dr");
    const pay = mesh.service("pay", { failover: { service: dr } });
    const ui = mesh.service("ui", { upstreams: [pay] });
    const plan = compile(mesh);
    expect(plan.warnings.map((w) => [w.path, w.message])).toEqual([
      ["services.ui.upstreams[0]", "ui calls pay, but no rule of pay allows ui: every call will be denied (403)"],
      ["services.pay.failover", "pay fails over to pay-dr, but no rule of pay-dr allows ui: its calls fail once they fail over"],
    ]);
    pay.allow(ui);
    dr.allow(ui);
    expect(compile(mesh).warnings).toEqual([]);
  });
});

describe("health changes", () => {
  it("reach every sidecar's load balancer at once: update_merge_window 0 on all outbound clusters", () => {
    const mesh = new Mesh("any");
    mesh.service("api");
    const extensions = entry(compile(mesh), "proxy-defaults", "global")?.["EnvoyExtensions"] as unknown[];
    expect(extensions.slice(0, 1)).toEqual([
      {
        Name: "builtin/property-override",
        Arguments: {
          ProxyType: "connect-proxy",
          Patches: [
            { ResourceFilter: { ResourceType: "cluster", TrafficDirection: "outbound" }, Op: "add", Path: "/common_lb_config/update_merge_window", Value: {} },
          ],
        },
      },
    ]);
  });
});

describe("telemetry", () => {
  it("turns tracing on with a Zipkin cluster, listener tracing at the sample rate, and a zipkin container", () => {
    const mesh = new Mesh("traced", { telemetry: { tracing: { sampleRate: 0.25 } } });
    mesh.service("api");
    const plan = compile(mesh);
    const config = entry(plan, "proxy-defaults", "global")?.["Config"] as Record<string, string>;
    expect(JSON.parse(config["envoy_listener_tracing_json"] ?? "{}")).toMatchObject({
      random_sampling: { value: 25 },
      provider: { name: "envoy.tracers.zipkin", typed_config: { collector_cluster: "zipkin" } },
    });
    expect(JSON.parse(config["envoy_extra_static_clusters_json"] ?? "{}")).toMatchObject({ name: "zipkin", type: "STRICT_DNS" });
    expect(plan.containers.map((c) => c.role)).toContain("zipkin");
    expect(plan.zipkin).toEqual({ url: "http://zipkin:9411", sampleRate: 0.25 });
    // the image has bash but no curl: the probe speaks HTTP/1.1 over /dev/tcp to Zipkin's /health
    const zipkin = plan.containers.find((c) => c.role === "zipkin");
    expect(zipkin?.image).toBe("meshwright/zipkin:3.6.1");
    const [cmd, shell, flag, script] = zipkin?.healthCheck?.test ?? [];
    expect([cmd, shell, flag]).toEqual(["CMD", "bash", "-c"]);
    expect(script).toContain("exec 3<>/dev/tcp/127.0.0.1/9411");
    expect(script).toContain("GET /health HTTP/1.1");
    expect(script).toContain("grep -q 'HTTP/1.[01] 200'");
  });

  it("leaves out Prometheus and access logs when turned off", () => {
    const mesh = new Mesh("quiet", { telemetry: { metrics: false, accessLogs: false } });
    mesh.service("api");
    const plan = compile(mesh);
    expect(plan.prometheus).toBeUndefined();
    expect(entries(plan, "proxy-defaults")).toEqual([
      { Kind: "proxy-defaults", Name: "global", Config: {}, EnvoyExtensions: [APPLY_HEALTH_CHANGES_AT_ONCE, inboundLua([], "dc1")] },
    ]);
    expect(plan.containers.map((c) => c.role)).not.toContain("prometheus");
  });

  it("writes no access log unless asked: each line costs the request path (bench/mesh)", () => {
    const quiet = new Mesh("default-logs");
    quiet.service("api");
    expect(entries(compile(quiet), "proxy-defaults")[0]).not.toHaveProperty("AccessLogs");
    const logged = new Mesh("logged", { telemetry: { accessLogs: true } });
    logged.service("api");
    expect(entries(compile(logged), "proxy-defaults")[0]).toMatchObject({ AccessLogs: { Enabled: true, Type: "stdout" } });
  });
});

describe("sidecar runtime", () => {
  const sidecarCommand = (mesh: Mesh) => compile(mesh).containers.find((c) => c.role === "sidecar")?.command ?? [];

  it("runs one Envoy worker per sidecar by default, and the declared number when given", () => {
    const one = new Mesh("one");
    one.service("api");
    expect(sidecarCommand(one).slice(-3)).toEqual(["--", "--concurrency", "1"]);
    const four = new Mesh("four", { sidecars: { workers: 4 } });
    four.service("api");
    expect(sidecarCommand(four).slice(-3)).toEqual(["--", "--concurrency", "4"]);
  });

  it.each([0, 1.5, 65])("refuses %p workers", (workers) => {
    const mesh = new Mesh("bad", { sidecars: { workers } });
    mesh.service("api");
    expect(() => compile(mesh)).toThrow(/sidecars\.workers/);
  });

  it("checks every container every 0.5 s while it starts and every 30 s after: each check is an exec", () => {
    const mesh = new Mesh("checks");
    mesh.service("api");
    for (const c of compile(mesh).containers.filter((c) => c.healthCheck)) {
      expect({ name: c.name, start: c.healthCheck?.startIntervalMs, steady: c.healthCheck?.intervalMs }).toEqual({ name: c.name, start: 500, steady: 30_000 });
    }
  });
});
