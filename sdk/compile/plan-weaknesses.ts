import type { MeshPlan } from "../plan";

/**
 * What in a plan would make the mesh trust its containers: ACLs off or allowing by default,
 * gossip unencrypted or not verified, RPC without TLS, on the server or any agent. A plan
 * `compile` made has none; a plan edited by hand (or by another tool) may. Realizers refuse a
 * plan with any unless the user opts in with a loudly named option.
 */
export function planWeaknesses(plan: MeshPlan): string[] {
  const agents: [string, Record<string, unknown>][] = [["consul (server)", plan.consul.serverConfig]];
  for (const c of plan.containers.filter((x) => x.role === "node")) {
    const file = c.files.find((f) => f.path.endsWith("agent.json"));
    try {
      agents.push([c.name, file ? (JSON.parse(file.content) as Record<string, unknown>) : {}]);
    } catch {
      agents.push([c.name, {}]);
    }
  }
  const out: string[] = [];
  for (const [who, config] of agents) {
    const acl = (config["acl"] ?? {}) as { enabled?: unknown; default_policy?: unknown };
    if (acl.enabled !== true) out.push(`${who}: Consul ACLs are off, so any container that reaches an agent can rewrite the mesh`);
    else if (acl.default_policy !== "deny") out.push(`${who}: Consul ACLs allow by default, so requests without a token pass`);
    if (typeof config["encrypt"] !== "string" || config["encrypt_verify_incoming"] !== true || config["encrypt_verify_outgoing"] !== true)
      out.push(`${who}: gossip is not encrypted and verified both ways, so a rogue agent can join`);
    const tls = (config["tls"] ?? {}) as { defaults?: { ca_file?: unknown; verify_outgoing?: unknown } };
    if (typeof tls.defaults?.ca_file !== "string" || tls.defaults.verify_outgoing !== true) out.push(`${who}: RPC is not TLS-verified against the mesh's CA`);
  }
  return out;
}
