import { consulServerNames, MAX_CONSUL_SERVERS } from "../../model/consul";
import type { Rule } from "../context";

/**
 * `consul.servers` makes a Raft cluster that can lose a server: an odd count from 1 to
 * {@link MAX_CONSUL_SERVERS}, and no service or ingress named like one of its servers.
 */
export const consulServersFormAQuorum: Rule = ({ mesh, serviceNames, ingressNames, issues }) => {
  const servers = mesh.consul?.servers;
  if (servers === undefined) return;
  if (servers < 1) {
    issues.add("consul.servers", `${servers} Consul servers: a mesh needs at least one`, "set servers to 1 (a laptop), 3 or 5");
    return;
  }
  if (servers % 2 === 0) {
    const majority = servers / 2 + 1;
    issues.add(
      "consul.servers",
      `${servers} Consul servers: a quorum is a majority (${majority} of ${servers}), so an even count survives no more failures than ${servers - 1} servers do`,
      `use ${servers - 1} or ${servers + 1} servers instead`,
    );
  }
  if (servers > MAX_CONSUL_SERVERS) {
    issues.add(
      "consul.servers",
      `${servers} Consul servers: every write waits for a majority of them, and more than ${MAX_CONSUL_SERVERS} slow every change without a gain that matters`,
      "use 3 (survives one server down) or 5 (two)",
    );
    return;
  }
  for (const name of consulServerNames(servers).slice(1))
    if (serviceNames.has(name) || ingressNames.has(name))
      issues.add(
        serviceNames.has(name) ? `services.${name}` : `ingresses.${name}`,
        `"${name}" is the name of Consul server ${name.slice("consul-".length)} with consul.servers = ${servers}`,
        `rename it, e.g. "${name}-app"`,
      );
};
