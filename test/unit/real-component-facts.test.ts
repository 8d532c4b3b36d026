/**
 * Facts about Consul 1.16 with Envoy 1.36–1.40 that were learned on the real components
 * (toolchain/images/README.md, "Findings"). Each test pins one, so a refactor that loses it
 * fails here rather than, silently, in a mesh.
 */
import { compile, type MeshPlan } from "../../sdk";
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

describe("what the real components taught the compiler", () => {
  it.each(agentConfigs)("%s makes intentions default-deny even with ACLs off, so JWT rules are enforced", (_, config) => {
    // Consul takes the intention default from acl.default_policy whether or not ACLs are on;
    // with "allow" Envoy's RBAC is a deny-list and a call without a token got through.
    expect(config.acl).toEqual({ enabled: false, default_policy: "deny" });
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

describe("path tricks are denied before any path rule is judged", () => {
  // Consul 1.16 leaves Envoy's path normalization off: /pay/../admin matched the prefix /pay.
  const ambiguous = new RegExp(`^${AMBIGUOUS_PATH}$`);
  it.each(["/pay/../admin", "/pay/./x", "/pay/..", "//admin", "/pay/%2e%2e/admin", "/pay%2Fadmin", "/a%5cb", "/a\\b"])("%s is ambiguous", (path) => {
    expect(ambiguous.test(path)).toBe(true);
  });
  it.each(["/pay", "/pay/", "/pay/x.y", "/pay/..x", "/v1.2/items", "/"])("%s is not", (path) => {
    expect(ambiguous.test(path)).toBe(false);
  });
});
