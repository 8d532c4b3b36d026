import { secretRef } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { SECRET } from "../secrets";

/** Where every agent finds the CA of Consul's own TLS (RPC, HTTPS, gRPC). */
export const CONSUL_CA_FILE = "/consul/config/tls/ca.pem";

/**
 * Settings every Consul agent of the mesh shares, server and clients alike.
 *
 * - ACLs on with `default_policy: "deny"`: a request without a token with the right policy
 *   reads or writes nothing, and intentions default to deny (Consul takes the intention
 *   default from this setting). `down_policy: "extend-cache"` keeps serving cached
 *   decisions while the servers are unreachable. Tokens are not persisted by agents: they
 *   come from the config files.
 * - Gossip is encrypted with the mesh's key and agents refuse unencrypted gossip both ways,
 *   so an agent without the key cannot join.
 * - RPC is TLS: agents verify the server's certificate (`server.<dc>.consul`) against the
 *   mesh's CA; clients get their own certificates from the servers (auto-encrypt).
 * - The leaf certificate endpoint is blocked on every agent's HTTP API
 *   ({@link BLOCKED_AGENT_ENDPOINTS}). Consul 1.16 hands a leaf certificate *and its private
 *   key* that its agent has cached to any caller, token or none (seen on the real components:
 *   from the network, anonymous `GET consul:8500/v1/agent/connect/ca/leaf/web` returned the
 *   ingress gateway's key, cached on the server where the gateway registers; from an app's
 *   namespace, its own service's). Sidecars and gateways get theirs over xDS, not this API.
 * - `disable_update_check`: agents otherwise call the vendor's update service on start.
 * - `bind_addr` on eth0: both realizers give each container exactly one interface.
 */
export function agentDefaults(mesh: ResolvedMesh): Record<string, unknown> {
  return {
    datacenter: mesh.datacenter,
    data_dir: "/tmp/consul",
    bind_addr: '{{ GetInterfaceIP "eth0" }}',
    log_level: "INFO",
    disable_update_check: true,
    acl: { enabled: true, default_policy: "deny", down_policy: "extend-cache", enable_token_persistence: false },
    encrypt: secretRef(SECRET.gossipKey),
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    http_config: { block_endpoints: [...BLOCKED_AGENT_ENDPOINTS] },
  };
}

/** Agent HTTP API paths every agent refuses (403), whatever the token: see {@link agentDefaults}. */
export const BLOCKED_AGENT_ENDPOINTS = ["/v1/agent/connect/ca/leaf"] as const;

/** The CA certificate file every agent and every in-mesh Consul client reads. */
export function consulCaFile(): { path: string; content: string; mode: number } {
  return { path: CONSUL_CA_FILE, content: secretRef(SECRET.consulCa, "cert"), mode: 0o644 };
}
