import { secretRef, type ConsulAgentConfig } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { SECRET } from "../secrets";
import { agentDefaults, CONSUL_CA_FILE } from "./agent-defaults";

/** Ports of the Consul server. */
export const CONSUL_PORTS = {
  /** HTTP API: ACL-protected; published to the host for operators and realizers. */
  http: 8500,
  /** HTTPS API: what containers on the mesh network use (gateways, Prometheus). */
  https: 8501,
  /** gRPC with TLS: xDS for gateways that reach the server over the network. */
  grpcTls: 8503,
} as const;

/** The server's TLS certificate and key files. */
export const SERVER_CERT_FILE = "/consul/config/tls/server.pem";
export const SERVER_KEY_FILE = "/consul/config/tls/server-key.pem";

/**
 * Consul server agent config: one server, Connect on with its built-in CA, ACLs bootstrapped
 * with the mesh's management token, TLS on RPC (client certificates required, issued by
 * auto-encrypt), HTTPS and gRPC-TLS for containers on the network, plain gRPC off.
 */
export function serverConfig(mesh: ResolvedMesh): ConsulAgentConfig {
  const defaults = agentDefaults(mesh);
  return {
    ...defaults,
    node_name: "consul",
    server: true,
    bootstrap_expect: 1,
    client_addr: "0.0.0.0",
    connect: { enabled: true },
    ui_config: { enabled: true },
    telemetry: { prometheus_retention_time: "60s", disable_hostname: true },
    acl: {
      ...(defaults.acl as Record<string, unknown>),
      tokens: { initial_management: secretRef(SECRET.consulManagement), agent: secretRef(SECRET.serverAgentToken) },
    },
    ports: { http: CONSUL_PORTS.http, https: CONSUL_PORTS.https, grpc: -1, grpc_tls: CONSUL_PORTS.grpcTls },
    tls: {
      defaults: { ca_file: CONSUL_CA_FILE, cert_file: SERVER_CERT_FILE, key_file: SERVER_KEY_FILE, verify_incoming: false, verify_outgoing: true },
      internal_rpc: { verify_incoming: true, verify_server_hostname: true },
    },
    auto_encrypt: { allow_tls: true },
  };
}
