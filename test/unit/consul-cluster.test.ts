/** `consul: { servers: 3 }` compiles to a Raft cluster every agent and gateway can reach. */
import { compile, Mesh, type ContainerSpec } from "../../sdk";

function clusterPlan(servers?: number) {
  const mesh = new Mesh("ha", servers === undefined ? {} : { consul: { servers } });
  const api = mesh.service("api");
  mesh.service("web", { upstreams: [api] });
  return compile(mesh);
}

const byRole = (containers: readonly ContainerSpec[], role: ContainerSpec["role"]) => containers.filter((c) => c.role === role);

describe("a Consul cluster", () => {
  const plan = clusterPlan(3);
  const servers = byRole(plan.containers, "consul-server");

  it("has three servers, consul, consul-2 and consul-3, each named on its command line and all sharing the name consul", () => {
    expect(servers.map((s) => s.name)).toEqual(["consul", "consul-2", "consul-3"]);
    expect(servers.map((s) => s.command.at(-1))).toEqual(["-node=consul", "-node=consul-2", "-node=consul-3"]);
    for (const s of servers) expect(s.networkAliases).toContain("consul");
    expect(plan.consul.servers.map((s) => s.container)).toEqual(["consul", "consul-2", "consul-3"]);
    expect(plan.consul.server.container).toBe("consul");
  });

  it("starts its servers together: a leader needs all three, so none may wait for another", () => {
    for (const s of servers) expect(s.dependsOn).toEqual([]);
  });

  it("expects three servers that join each other, and agents that join all of them", () => {
    expect(plan.consul.serverConfig).toMatchObject({ bootstrap_expect: 3, retry_join: ["consul", "consul-2", "consul-3"] });
    for (const node of byRole(plan.containers, "node")) {
      const agent = JSON.parse(node.files.find((f) => f.path.endsWith("agent.json"))!.content) as { retry_join: string[] };
      expect(agent.retry_join).toEqual(["consul", "consul-2", "consul-3"]);
    }
  });

  it("gives every server a certificate for its own name and a node identity for its agent token", () => {
    const tls = plan.secrets.find((s) => s.name === "consul/server-tls")!.generate;
    expect(tls).toMatchObject({ dnsNames: expect.arrayContaining(["server.dc1.consul", "consul", "consul-2", "consul-3"]) });
    const agent = plan.consul.acl.tokens.find((t) => t.secret === "consul/token/agent-consul")!;
    expect(agent.nodeIdentities?.map((n) => n.nodeName)).toEqual(["consul", "consul-2", "consul-3"]);
  });

  it("stays one server with no joins by default", () => {
    const single = clusterPlan();
    expect(byRole(single.containers, "consul-server").map((s) => s.name)).toEqual(["consul"]);
    expect(single.consul.serverConfig).toMatchObject({ bootstrap_expect: 1 });
    expect(single.consul.serverConfig).not.toHaveProperty("retry_join");
  });
});
