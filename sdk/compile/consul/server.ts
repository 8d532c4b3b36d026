import type { ConsulAgentConfig } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { agentDefaults } from "./agent-defaults";

/** Consul server agent config: one server, Connect on, its built-in CA, default-deny intentions. */
export function serverConfig(mesh: ResolvedMesh): ConsulAgentConfig {
  return {
    ...agentDefaults(mesh),
    node_name: "consul",
    server: true,
    bootstrap_expect: 1,
    client_addr: "0.0.0.0",
    connect: { enabled: true },
    ui_config: { enabled: true },
    telemetry: { prometheus_retention_time: "60s", disable_hostname: true },
  };
}
