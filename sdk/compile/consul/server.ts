import type { ConsulAgentConfig } from "../../plan";
import type { ResolvedMesh } from "../resolve";

/** Consul server agent config: one server, Connect on, its built-in CA, no ACLs. */
export function serverConfig(mesh: ResolvedMesh): ConsulAgentConfig {
  return {
    datacenter: mesh.datacenter,
    node_name: "consul",
    data_dir: "/tmp/consul",
    server: true,
    bootstrap_expect: 1,
    bind_addr: '{{ GetInterfaceIP "eth0" }}',
    client_addr: "0.0.0.0",
    ports: { grpc: 8502 },
    connect: { enabled: true },
    ui_config: { enabled: true },
    log_level: "INFO",
    telemetry: { prometheus_retention_time: "60s", disable_hostname: true },
  };
}
