import { compile, type ConfigEntry, type MeshPlan } from "../../sdk";
import shop from "../../examples/shop";
import { expectGolden } from "./golden";
import { AMBIGUOUS_PATH } from "../../sdk/compile/consul/intentions";

const plan: MeshPlan = compile(shop);
const entry = (kind: ConfigEntry["Kind"], name: string) => plan.consul.configEntries.find((e) => e.Kind === kind && e.Name === name);

describe("the shop example compiles to the reference plan", () => {
  it("matches the golden plan byte for byte", () => {
    expectGolden("plans/shop", plan);
  });

  it("is versioned plain data", () => {
    expect(plan.version).toBe(2);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plan.network.name).toBe("shop-net");
  });

  it("runs payment-service as three instances, the third a backup", () => {
    const payment = plan.services.find((s) => s.name === "payment-service");
    expect(payment?.instances.map((i) => [i.id, i.subset])).toEqual([
      ["payment-service-1", "primary"],
      ["payment-service-2", "primary"],
      ["payment-service-3", "backup"],
    ]);
    expect(entry("service-resolver", "payment-service")).toMatchObject({
      DefaultSubset: "primary",
      Failover: { primary: { ServiceSubset: "backup" } },
    });
  });

  it("gives user-service a local listener for payment-service chosen automatically", () => {
    const user = plan.services.find((s) => s.name === "user-service");
    expect(user?.upstreams).toEqual([{ service: "payment-service", localPort: 9001 }]);
    const app = plan.containers.find((c) => c.name === "user-service-1-app");
    expect(app?.env["UPSTREAMS"]).toBe("payment-service=127.0.0.1:9001");
    expect(app?.networkMode).toEqual({ container: "user-service-1" });
  });

  it("retries, times out and ejects failing payment instances", () => {
    expect(entry("service-router", "payment-service")).toMatchObject({
      Routes: [{ Destination: { NumRetries: 2, RetryOn: ["5xx", "connect-failure"], RequestTimeout: "2s" } }],
    });
    expect(entry("service-defaults", "user-service")).toMatchObject({
      UpstreamConfig: {
        Overrides: [{ Name: "payment-service", PassiveHealthCheck: { MaxFailures: 3, Interval: "5s", BaseEjectionTime: "30s", MaxEjectionPercent: 50 } }],
      },
    });
  });

  it("denies by default and lets user-service POST /pay only with a payments:write token", () => {
    expect(entry("service-intentions", "*")).toEqual({ Kind: "service-intentions", Name: "*", Sources: [{ Name: "*", Action: "deny" }] });
    expect(entry("service-intentions", "payment-service")).toMatchObject({
      Sources: [
        {
          Name: "user-service",
          Permissions: [
            { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } },
            {
              Action: "allow",
              HTTP: { PathPrefix: "/pay", Methods: ["POST"] },
              JWT: {
                Providers: [
                  {
                    Name: "keycloak-payment-service",
                    VerifyClaims: [
                      { Path: ["azp"], Value: "user-service" },
                      { Path: ["meshwright", "scopes", "payments:write"], Value: "true" },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect(entry("jwt-provider", "keycloak-payment-service")).toMatchObject({
      Issuer: "http://keycloak:8080/realms/shop",
      Audiences: ["payment-service"],
      JSONWebKeySet: { Remote: { URI: "http://keycloak:8080/realms/shop/protocol/openid-connect/certs" } },
    });
  });

  it("makes user-service a confidential client holding payments:write, with payment-service as its tokens' audience", () => {
    const realm = plan.keycloak?.realm as { clients: Record<string, unknown>[] };
    expect(realm.clients.find((c) => c["clientId"] === "user-service")).toMatchObject({
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      secret: "{{secret:keycloak/client/user-service}}",
      defaultClientScopes: ["payments:write"],
      optionalClientScopes: [],
      protocolMappers: [{ protocolMapper: "oidc-audience-mapper", config: { "included.custom.audience": "payment-service" } }],
    });
    expect(plan.keycloak?.clients.find((c) => c.clientId === "user-service")?.secret).toBe("keycloak/client/user-service");
    // no public password-grant client unless a mesh asks for it
    expect(realm.clients.map((c) => c["clientId"])).toEqual(["payment-service", "user-service"]);
  });

  it("fronts user-service with an ingress gateway and scrapes every sidecar", () => {
    expect(entry("ingress-gateway", "web")).toMatchObject({
      Kind: "ingress-gateway",
      Name: "web",
      Listeners: [
        {
          Port: 8080,
          Protocol: "http",
          Services: [
            { Name: "user-service", Hosts: ["shop.local"], RequestHeaders: { Set: { "x-forwarded-for": "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%" } } },
          ],
        },
      ],
    });
    // the gateway reaches user-service only on its routes' path prefixes, through the path guard
    expect(entry("service-intentions", "user-service")).toMatchObject({
      Sources: [
        {
          Name: "web",
          Permissions: [
            { Action: "deny", HTTP: { PathRegex: AMBIGUOUS_PATH } },
            { Action: "allow", HTTP: { PathPrefix: "/" } },
          ],
        },
      ],
    });
    expect(entry("proxy-defaults", "global")).toMatchObject({ Config: { envoy_prometheus_bind_addr: "0.0.0.0:20200" } });
    expect(plan.prometheus?.config).toMatchObject({
      scrape_configs: expect.arrayContaining([
        expect.objectContaining({
          job_name: "envoy",
          consul_sd_configs: [expect.objectContaining({ server: "consul:8501", scheme: "https", token: "{{secret:consul/token/prometheus}}" })],
        }),
      ]),
    });
  });

  it("lists containers dependencies first, with unique DNS-safe names", () => {
    const names = plan.containers.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    names.forEach((n) => expect(n).toMatch(/^[a-z][a-z0-9-]*$/));
    plan.containers.forEach((c, i) => c.dependsOn.forEach((d) => expect(names.indexOf(d)).toBeLessThan(i)));
    expect(names[0]).toBe("consul");
  });

  it("shares each instance's network namespace with its node container", () => {
    for (const c of plan.containers.filter((x) => x.role === "app" || x.role === "sidecar" || x.role === "probe")) {
      expect(c.networkMode?.container).toBe(c.instance);
      expect(c.networkAliases).toEqual([]);
    }
    const sidecar = plan.containers.find((c) => c.name === "payment-service-2-sidecar");
    expect(sidecar?.command).toEqual([
      "-sidecar-for",
      "payment-service-2",
      "-admin-bind",
      "127.0.0.1:19000",
      "-ignore-envoy-compatibility",
      "--",
      "--concurrency",
      "1",
    ]);
  });

  it("holds no secret value: only references to the secrets it declares", () => {
    const json = JSON.stringify(plan);
    expect(plan.secrets.map((x) => x.name)).toEqual(
      expect.arrayContaining(["consul/management-token", "consul/gossip-key", "keycloak/admin-password", "keycloak/client/user-service"]),
    );
    // what a derived or literal secret looked like before: 32 hex characters, UUIDs
    expect(json).not.toMatch(/"[0-9a-f]{32}"/);
    expect(json).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}/);
    expect(plan.keycloak?.admin).toEqual({ username: "admin", passwordSecret: "keycloak/admin-password" });
  });

  it("gives every instance its own Consul tokens and the app none", () => {
    const env = (name: string) => plan.containers.find((c) => c.name === name)?.env ?? {};
    expect(env("payment-service-1-sidecar")["CONSUL_HTTP_TOKEN"]).toBe("{{secret:consul/token/service-payment-service-1}}");
    expect(env("payment-service-1")["CONSUL_HTTP_TOKEN"]).toBe("{{secret:consul/token/node-payment-service-1}}");
    expect(Object.values(env("payment-service-1-app")).join(" ")).not.toMatch(/consul\/token|management/);
    const tokens = plan.consul.acl.tokens.filter((t) => t.secret.endsWith("payment-service-1"));
    expect(tokens.map((t) => t.nodeIdentities ?? t.policies)).toEqual([[{ nodeName: "payment-service-1", datacenter: "dc1" }], ["service-payment-service"]]);
  });

  it("lets an instance's token read only what its sidecar needs: its upstreams, their sidecars and nodes", () => {
    // the token is in Envoy's bootstrap, which Envoy's admin API shows the app (/config_dump)
    const rules = (name: string) => plan.consul.acl.policies.find((p) => p.name === name)?.rules.split("\n");
    expect(rules("service-user-service")).toEqual([
      'service "user-service" { policy = "write" }',
      'service "user-service-sidecar-proxy" { policy = "write" }',
      'service "payment-service" { policy = "read" }',
      'service "payment-service-sidecar-proxy" { policy = "read" }',
      'node "payment-service-1" { policy = "read" }',
      'node "payment-service-2" { policy = "read" }',
      'node "payment-service-3" { policy = "read" }',
      'node "user-service-1" { policy = "read" }',
    ]);
    expect(rules("service-payment-service")).toEqual([
      'service "payment-service" { policy = "write" }',
      'service "payment-service-sidecar-proxy" { policy = "write" }',
      'node "payment-service-1" { policy = "read" }',
      'node "payment-service-2" { policy = "read" }',
      'node "payment-service-3" { policy = "read" }',
    ]);
    for (const t of plan.consul.acl.tokens) expect(t.serviceIdentities).toBeUndefined();
  });
});
