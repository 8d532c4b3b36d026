import shop from "../../examples/shop";
import { compile, planWeaknesses, type MeshPlan } from "../../sdk";

const plan = compile(shop);
/** The plan with its server config changed as a hand edit would. */
const edited = (change: (server: Record<string, unknown>) => Record<string, unknown>): MeshPlan => ({
  ...plan,
  consul: { ...plan.consul, serverConfig: change({ ...plan.consul.serverConfig }) },
});

describe("a plan that trusts its containers is recognised, so realizers can refuse it", () => {
  it("finds nothing in a compiled plan", () => {
    expect(planWeaknesses(plan)).toEqual([]);
  });

  it("names ACLs off, ACLs allowing by default, unverified gossip and RPC without TLS", () => {
    expect(planWeaknesses(edited((s) => ({ ...s, acl: { enabled: false, default_policy: "deny" } })))).toEqual([
      "consul (server): Consul ACLs are off, so any container that reaches an agent can rewrite the mesh",
    ]);
    expect(planWeaknesses(edited((s) => ({ ...s, acl: { enabled: true, default_policy: "allow" } })))).toEqual([
      "consul (server): Consul ACLs allow by default, so requests without a token pass",
    ]);
    expect(planWeaknesses(edited((s) => ({ ...s, encrypt_verify_incoming: false, tls: {} })))).toEqual([
      "consul (server): gossip is not encrypted and verified both ways, so a rogue agent can join",
      "consul (server): RPC is not TLS-verified against the mesh's CA",
    ]);
  });
});
