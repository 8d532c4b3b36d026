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

/** Where a server keeps its Raft state: a named volume, so it outlives the container. */
export const SERVER_DATA_DIR = "/consul/data";

/** The server's TLS certificate and key files. */
export const SERVER_CERT_FILE = "/consul/config/tls/server.pem";
export const SERVER_KEY_FILE = "/consul/config/tls/server-key.pem";

/**
 * Consul server agent config, one file for every server of the mesh (each takes its node name
 * from `-node`): `bootstrap_expect` all of them, each joining the others by name, Connect on with its built-in CA, ACLs bootstrapped
 * with the mesh's management token, TLS on RPC (client certificates required, issued by
 * auto-encrypt), HTTPS and gRPC-TLS for containers on the network, plain gRPC off.
 */
export function serverConfig(mesh: ResolvedMesh): ConsulAgentConfig {
  const defaults = agentDefaults(mesh);
  return {
    ...defaults,
    data_dir: SERVER_DATA_DIR,
    server: true,
    bootstrap_expect: mesh.consulServers.length,
    ...(mesh.consulServers.length > 1 ? { retry_join: [...mesh.consulServers] } : {}),
    client_addr: "0.0.0.0",
    connect: { enabled: true },
    ui_config: { enabled: true },
    // Raft timing as Consul advises for production (its default, 5, suits small VMs and made
    // a killed leader's successor take over 10 s): a new leader in about 1-3 s.
    performance: { raft_multiplier: 1 },
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
