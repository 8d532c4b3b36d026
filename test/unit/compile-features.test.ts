import { compile, deriveSecret, Mesh, type ConfigEntry, type MeshPlan } from "../../sdk";
import { AMBIGUOUS_PATH } from "../../sdk/compile/consul/intentions";
import { APPLY_HEALTH_CHANGES_AT_ONCE } from "../../sdk/compile/consul/proxy-defaults";
import shop from "../../examples/shop";

const entries = (plan: MeshPlan, kind: ConfigEntry["Kind"]) => plan.consul.configEntries.filter((e) => e.Kind === kind);
const entry = (plan: MeshPlan, kind: ConfigEntry["Kind"], name: string) => plan.consul.configEntries.find((e) => e.Kind === kind && e.Name === name);

describe("ingress routing", () => {
  it("routes a host with several paths through a virtual service and router, longest prefix first", () => {
    const mesh = new Mesh("shop");
    const web = mesh.service("web");
    const api = mesh.service("api");
    const admin = mesh.service("admin");
    mesh.ingress("edge", { listeners: [{ port: 8080, routes: [
      { host: "shop.test", pathPrefix: "/", service: web },
      { host: "shop.test", pathPrefix: "/api", service: api },
      { host: "admin.test", service: admin },
    ] }] });
    const plan = compile(mesh);
    expect(entry(plan, "ingress-gateway", "edge")).toEqual({
      Kind: "ingress-gateway",
      Name: "edge",
      Listeners: [{ Port: 8080, Protocol: "http", Services: [{ Name: "edge-8080-1", Hosts: ["shop.test"] }, { Name: "admin", Hosts: ["admin.test"] }] }],
    });
    expect(entry(plan, "service-defaults", "edge-8080-1")).toEqual({ Kind: "service-defaults", Name: "edge-8080-1", Protocol: "http" });
    expect(entry(plan, "service-router", "edge-8080-1")).toEqual({
      Kind: "service-router",
      Name: "edge-8080-1",
      Routes: [
        { Match: { HTTP: { PathPrefix: "/api" } }, Destination: { Service: "api" } },
        { Match: { HTTP: { PathPrefix: "/" } }, Destination: { Service: "web" } },
      ],
    });
    for (const target of ["web", "api", "admin"]) {
      expect(entry(plan, "service-intentions", target)).toMatchObject({ Sources: [{ Name: "edge", Action: "allow" }] });
    }
    const gw = plan.containers.find((c) => c.name === "edge");
    expect(gw?.command.slice(0, 6)).toEqual(["-gateway=ingress", "-register", "-service", "edge", "-address", '{{ GetInterfaceIP "eth0" }}:21000']);
    expect(gw?.env).toEqual({ CONSUL_HTTP_ADDR: "consul:8500", CONSUL_GRPC_ADDR: "consul:8502" });
  });
});

describe("failover", () => {
  it("fails over to a backup service for every subset", () => {
    const mesh = new Mesh("dr");
    mesh.service("payment-dr");
    mesh.service("payment", { failover: { service: "payment-dr" } });
    expect(entry(compile(mesh), "service-resolver", "payment")).toEqual({ Kind: "service-resolver", Name: "payment", Failover: { "*": { Service: "payment-dr" } } });
  });

  it("keeps default traffic off the backup subset when several primary subsets exist", () => {
    const mesh = new Mesh("dr");
    mesh.service("payment", { instances: [{ subset: "v1" }, { subset: "v2" }, { subset: "backup" }], failover: { subset: "backup" } });
    expect(entry(compile(mesh), "service-resolver", "payment")).toMatchObject({
      DefaultSubset: "not-backup",
      Subsets: { "not-backup": { Filter: 'Service.Meta.subset != "backup"', OnlyPassing: true } },
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
      Sources: [{
        Name: "ui",
        Permissions: [
          { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } },
          { Action: "deny", HTTP: { PathPrefix: "/internal", Methods: ["DELETE"] } },
          { Action: "allow", HTTP: { PathPrefix: "/", Header: [{ Name: "x-tenant", Exact: "a" }] }, JWT: { Providers: [{ Name: "keycloak", VerifyClaims: [{ Path: ["meshwright", "roles", "admin"], Value: "true" }] }] } },
        ],
      }],
    });
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
    const mesh = new Mesh("idp", { identity: { roles: ["admin"], users: [{ username: "alice", roles: ["admin"], password: "pw" }] } });
    mesh.service("api", { identity: { roles: ["admin"] } });
    const realm = compile(mesh).keycloak?.realm as Record<string, unknown>;
    expect(realm["scopeMappings"]).toEqual([{ clientScope: "role:admin", roles: ["admin"] }]);
    expect(realm["users"]).toEqual([
      { username: "service-account-api", enabled: true, serviceAccountClientId: "api", realmRoles: ["admin"] },
      expect.objectContaining({ username: "alice", credentials: [{ type: "password", value: "pw", temporary: false }], realmRoles: ["admin"] }),
    ]);
  });

  it("derives secrets from the mesh name and salt, reproducibly", () => {
    const a = compile(shop).keycloak?.clients[0]?.secret;
    expect(a).toBe(deriveSecret("shop", "", "client:payment-service"));
    const salted = new Mesh("shop", { identity: {}, secretSalt: "s3cret" });
    salted.service("payment-service");
    expect(compile(salted).keycloak?.clients[0]?.secret).not.toBe(a);
  });

  it("hands each app its client credentials and the token URL", () => {
    const app = compile(shop).containers.find((c) => c.name === "user-service-1-app");
    expect(app?.env).toMatchObject({
      OAUTH_CLIENT_ID: "user-service",
      OAUTH_TOKEN_URL: "http://keycloak:8080/realms/shop/protocol/openid-connect/token",
    });
  });
});

describe("health changes", () => {
  it("reach every sidecar's load balancer at once: update_merge_window 0 on all outbound clusters", () => {
    const mesh = new Mesh("any");
    mesh.service("api");
    const extensions = entry(compile(mesh), "proxy-defaults", "global")?.["EnvoyExtensions"];
    expect(extensions).toEqual([
      {
        Name: "builtin/property-override",
        Arguments: {
          ProxyType: "connect-proxy",
          Patches: [{ ResourceFilter: { ResourceType: "cluster", TrafficDirection: "outbound" }, Op: "add", Path: "/common_lb_config/update_merge_window", Value: {} }],
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
    expect(JSON.parse(config["envoy_listener_tracing_json"] ?? "{}")).toMatchObject({ random_sampling: { value: 25 }, provider: { name: "envoy.tracers.zipkin", typed_config: { collector_cluster: "zipkin" } } });
    expect(JSON.parse(config["envoy_extra_static_clusters_json"] ?? "{}")).toMatchObject({ name: "zipkin", type: "STRICT_DNS" });
    expect(plan.containers.map((c) => c.role)).toContain("zipkin");
    expect(plan.zipkin).toEqual({ url: "http://zipkin:9411", sampleRate: 0.25 });
  });

  it("leaves out Prometheus and access logs when turned off", () => {
    const mesh = new Mesh("quiet", { telemetry: { metrics: false, accessLogs: false } });
    mesh.service("api");
    const plan = compile(mesh);
    expect(plan.prometheus).toBeUndefined();
    expect(entries(plan, "proxy-defaults")).toEqual([{ Kind: "proxy-defaults", Name: "global", Config: {}, EnvoyExtensions: [APPLY_HEALTH_CHANGES_AT_ONCE] }]);
    expect(plan.containers.map((c) => c.role)).not.toContain("prometheus");
  });
});
