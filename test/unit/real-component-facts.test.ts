/**
 * Facts about Consul 1.16 with Envoy 1.36–1.40 that were learned on the real components
 * (toolchain/images/README.md, "Findings"). Each test pins one, so a refactor that loses it
 * fails here rather than, silently, in a mesh.
 */
import { compile, Mesh, type MeshPlan } from "../../sdk";
import shop from "../../examples/shop";
import { AMBIGUOUS_PATH } from "../../sdk/compile/consul/intentions";

const plan: MeshPlan = compile(shop);
const agentConfigs = [
  ["consul (server)", plan.consul.serverConfig],
  ...plan.containers
    .filter((c) => c.role === "node")
    .map((c) => [c.name, JSON.parse(c.files.find((f) => f.path.endsWith("agent.json"))!.content) as Record<string, unknown>] as const),
] as const;
const proxyDefaults = plan.consul.configEntries.find((e) => e.Kind === "proxy-defaults")!;
const jwtProvider = plan.consul.configEntries.find((e) => e.Kind === "jwt-provider")!;
const meshEntry = plan.consul.configEntries.find((e) => e.Kind === "mesh")!;

describe("what the real components taught the compiler", () => {
  it.each(agentConfigs)("%s runs ACLs with default deny, so requests need tokens and intentions default to deny", (_, config) => {
    // Consul takes the intention default from acl.default_policy; with "allow" Envoy's RBAC is
    // a deny-list and a call without a token got through. With ACLs off, an app in an
    // instance's namespace rewrote intentions through its agent (seen on the real components).
    expect(config.acl).toMatchObject({ enabled: true, default_policy: "deny" });
  });

  it.each(agentConfigs)("%s encrypts gossip and refuses unencrypted gossip both ways", (_, config) => {
    // Without a key, a rogue agent started on the network joined the cluster.
    expect(config).toMatchObject({ encrypt: "{{secret:consul/gossip-key}}", encrypt_verify_incoming: true, encrypt_verify_outgoing: true });
  });

  it.each(agentConfigs)("%s does not call the vendor's update service", (_, config) => {
    expect(config.disable_update_check).toBe(true);
  });

  it("fetches Keycloak's JWKS through a DNS cluster, without the CacheDuration 1.16 mis-converts", () => {
    const remote = (jwtProvider.JSONWebKeySet as { Remote: Record<string, unknown> }).Remote;
    expect(remote.JWKSCluster).toEqual({ DiscoveryType: "STRICT_DNS", ConnectTimeout: "5s" });
    expect(remote).not.toHaveProperty("CacheDuration");
  });

  it("puts bootstrap-time proxy settings in every instance's own registration too", () => {
    const bindAddr = (proxyDefaults.Config as Record<string, string>).envoy_prometheus_bind_addr;
    expect(bindAddr).toBe("0.0.0.0:20200");
    for (const service of plan.services)
      for (const instance of service.instances) {
        const proxy = (instance.registration as { connect: { sidecar_service: { proxy: { config: Record<string, string> } } } }).connect.sidecar_service.proxy;
        expect(proxy.config.envoy_prometheus_bind_addr).toBe(bindAddr);
      }
  });
});

describe("weights reach Envoy", () => {
  it("gives every sidecar registration its instance's weight, since Envoy's endpoints are the sidecars", () => {
    for (const service of plan.services)
      for (const instance of service.instances) {
        const reg = instance.registration as { weights: unknown; connect: { sidecar_service: { weights: unknown } } };
        expect(reg.connect.sidecar_service.weights).toEqual(reg.weights);
      }
  });
});

describe("a sidecar stays healthy when Consul registers it again", () => {
  // A Consul 1.16 agent re-registers every sidecar when proxy-defaults change, resetting each
  // check to its initial status: with the default (critical) checks, every sidecar of the mesh
  // went critical for up to 10 s and callers got 503 (no healthy upstream).
  it("gives every sidecar a listener check that starts passing and runs every second, and an alias of its instance", () => {
    for (const service of plan.services)
      for (const instance of service.instances) {
        const checks = (instance.registration as { connect: { sidecar_service: { checks: Record<string, string>[] } } }).connect.sidecar_service.checks;
        expect(checks).toEqual([
          expect.objectContaining({ tcp: "127.0.0.1:21000", interval: "1s", status: "passing" }),
          expect.objectContaining({ alias_service: instance.id }),
        ]);
      }
  });
});

describe("path tricks are denied before any path rule is judged", () => {
  // Consul 1.16 leaves Envoy's path normalization off: /pay/../admin matched the prefix /pay,
  // and /value/%73upersecret got past a deny of /value/supersecret.
  const ambiguous = new RegExp(`^${AMBIGUOUS_PATH}$`);
  it.each([
    "/pay/../admin",
    "/pay/./x",
    "/pay/..",
    "//admin",
    "/pay/%2e%2e/admin",
    "/pay%2Fadmin",
    "/a%5cb",
    "/a\\b",
    "/value/%73upersecret",
    "/value/%53upersecret",
    "/v%31/x",
    "/a%5Fb",
    "/a%7eb",
    "/a%2db",
    "/value/supersecret;x=1",
    "/admin;/x",
    "/a%3Bb",
    "/a%3fb",
    "/a%23b",
    "/a%252e%252e/b",
    "/a%00b",
    "/a%0ab",
    "/a%7f",
    "/a%C0%AFb",
    "/a%f8b",
    // overlong three- and four-byte forms of '/', a UTF-16 surrogate, beyond U+10FFFF
    "/value%E0%80%AFsupersecret",
    "/a%e0%9f%bfb",
    "/a%F0%80%80%AFb",
    "/a%ED%A0%80b",
    "/a%F4%90%80%80b",
    "/a%",
    "/a%4",
    "/a%zz",
    "/a%4g",
  ])("%s is ambiguous", (path) => {
    expect(ambiguous.test(path)).toBe(true);
  });
  it.each([
    "/pay",
    "/pay/",
    "/pay/x.y",
    "/pay/..x",
    "/v1.2/items",
    "/",
    "/search/hello%20world",
    "/a%40b",
    "/caf%C3%A9",
    "/a%3Ab",
    "/A%2Cb",
    "/%E2%82%AC",
    "/%E0%A0%80",
    "/%F0%9F%98%80",
    "/%ED%9F%BF",
    "/%F4%8F%BF%BF",
  ])("%s is not", (path) => {
    expect(ambiguous.test(path)).toBe(false);
  });
});

describe("no agent hands out leaf certificates over HTTP", () => {
  // Consul 1.16 returned a cached leaf (with its key) to anonymous callers: the gateway's from the
  // server, an app's own from its agent.
  it.each(agentConfigs)("%s blocks /v1/agent/connect/ca/leaf", (_, config) => {
    expect((config as { http_config?: { block_endpoints?: string[] } }).http_config?.block_endpoints).toEqual(["/v1/agent/connect/ca/leaf"]);
  });
});

describe("edges trust nothing a caller says about itself", () => {
  it("sanitizes x-forwarded-client-cert, so an app never sees a forged caller entry (nor, in Consul 1.16, any entry: smoke e2e)", () => {
    // Consul 1.16 forwarded a caller-supplied entry ahead of the real one on direct mTLS.
    expect(meshEntry).toMatchObject({ HTTP: { SanitizeXForwardedClientCert: true }, AllowEnablingPermissiveMutualTLS: false });
  });

  it("logs the path Envoy matched and the TCP peer, not headers a caller can forge", () => {
    const logged = compile(new Mesh("logged", { telemetry: { accessLogs: true } })).consul.configEntries.find((e) => e.Kind === "proxy-defaults")!;
    const format = JSON.parse((logged.AccessLogs as { JSONFormat: string }).JSONFormat) as Record<string, string>;
    expect(format.path).toBe("%REQ(:PATH)%");
    // DOWNSTREAM_REMOTE_ADDRESS comes from x-forwarded-for: a forged 6.6.6.6 was logged as the peer
    expect(format.downstream_remote_address).toBe("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%");
    expect(JSON.stringify(format)).not.toMatch(/X-ENVOY-ORIGINAL-PATH|X-FORWARDED-FOR|%DOWNSTREAM_REMOTE_ADDRESS/i);
  });

  it("sets the ingress's x-forwarded-for from the TCP peer, not from the client's own x-forwarded-for", () => {
    const gateway = plan.consul.configEntries.find((e) => e.Kind === "ingress-gateway")!;
    const services = (gateway.Listeners as { Services: { RequestHeaders: { Set: Record<string, string>; Remove: string[] } }[] }[]).flatMap((l) => l.Services);
    for (const s of services) {
      expect(s.RequestHeaders.Set).toEqual({ "x-forwarded-for": "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%" });
      expect(s.RequestHeaders.Remove).toEqual(expect.arrayContaining(["x-real-ip", "forwarded", "x-envoy-original-path", "x-envoy-internal"]));
    }
  });

  it("strips forged proxy headers on every sidecar's inbound side, trusting x-forwarded-for only from the gateways' certificates", () => {
    // an app holding its own leaf certificate calls another sidecar directly, past its own sidecar's router
    const lua = (proxyDefaults.EnvoyExtensions as { Name: string; Arguments: { Listener: string; Script: string } }[]).find((e) => e.Name === "builtin/lua");
    expect(lua?.Arguments.Listener).toBe("inbound");
    const script = lua?.Arguments.Script ?? "";
    expect(script).toContain('local untrusted = {"x-forwarded-host", "forwarded", "x-real-ip", "x-envoy-original-path",');
    expect(script).not.toMatch(/local untrusted = \{[^}]*"x-forwarded-(for|client-cert)"/);
    expect(script).toContain('local gateways = {"/dc/dc1/svc/web"}');
    expect(script).toContain('if not from_gateway(request_handle) then headers:remove("x-forwarded-for") end');
  });

  it("stamps the answering sidecar's address on responses, replacing what the app sent", () => {
    const lua = (proxyDefaults.EnvoyExtensions as { Name: string; Arguments: { Listener: string; Script: string } }[]).find((e) => e.Name === "builtin/lua");
    expect(lua?.Arguments.Listener).toBe("inbound");
    expect(lua?.Arguments.Script).toContain('replace("x-meshwright-endpoint", response_handle:streamInfo():downstreamLocalAddress())');
  });

  it("binds every JWT provider to one destination's audience", () => {
    for (const p of plan.consul.configEntries.filter((e) => e.Kind === "jwt-provider")) expect(p.Audiences).toEqual([p.Name.replace(/^keycloak-/, "")]);
  });

  it("states the clock skew Envoy really applies (Consul 1.16 never passes ClockSkewSeconds on)", () => {
    expect(jwtProvider.ClockSkewSeconds).toBe(60);
  });
});
