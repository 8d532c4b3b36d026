import type { ResolvedMesh } from "../resolve";

/**
 * Settings every Consul agent of the mesh shares, server and clients alike.
 *
 * - `acl.default_policy: "deny"` with ACLs off: Consul 1.16 takes the intention default from
 *   this setting even when ACLs are disabled. With "allow", Envoy's RBAC becomes a deny-list
 *   and JWT requirements on allow intentions are not enforced (seen on the real components:
 *   a call without a token got 200). With "deny", only what an intention allows gets through.
 * - `disable_update_check`: agents otherwise call the vendor's update service on start.
 * - `bind_addr` on eth0: both realizers give each container exactly one interface.
 */
export function agentDefaults(mesh: ResolvedMesh): Record<string, unknown> {
  return {
    datacenter: mesh.datacenter,
    data_dir: "/tmp/consul",
    bind_addr: '{{ GetInterfaceIP "eth0" }}',
    ports: { grpc: 8502 },
    log_level: "INFO",
    disable_update_check: true,
    acl: { enabled: false, default_policy: "deny" },
  };
}
