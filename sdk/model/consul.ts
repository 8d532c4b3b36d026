/** The mesh's Consul control plane. */
export interface ConsulProps {
  /**
   * Consul servers in the Raft cluster that holds the catalog, the config entries, the ACLs and
   * the mesh's CA. One (the default) suits a laptop; a mesh that must keep taking changes while
   * a server is down wants 3 (survives the loss of one) or 5 (of two). An odd number: an even
   * one adds a server but no fault tolerance, since a quorum is a majority. At most 7: every
   * write waits for a majority of them. Servers are `consul`, `consul-2`, …, and each shares the
   * network name `consul`.
   * @default 1
   */
  readonly servers?: number;
}

/** Most servers a mesh may have: every Raft write waits for a majority of them. */
export const MAX_CONSUL_SERVERS = 7;

/** The servers' container (and Consul node) names: `consul`, then `consul-2`, `consul-3`, … */
export function consulServerNames(servers: number): string[] {
  return Array.from({ length: servers }, (_, i) => (i === 0 ? "consul" : `consul-${i + 1}`));
}
