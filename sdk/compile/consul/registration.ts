import type { ConsulAgentConfig } from "../../plan";
import type { ResolvedInstance, ResolvedMesh, ResolvedService } from "../resolve";
import { agentDefaults } from "./agent-defaults";
import { bootstrapProxyConfig } from "./proxy-defaults";

/** The sidecar's public (mTLS) listener port inside each instance. */
export const SIDECAR_PORT = 21000;
/** Exposed (plain HTTP, non-mesh) listener for the health check path. */
export const EXPOSE_HEALTH_PORT = 21500;
/** Exposed listener for the app's `/metrics`. */
export const EXPOSE_METRICS_PORT = 21501;

/**
 * Agent service definition (snake_case, as in an agent config file) of one instance.
 * The check targets 127.0.0.1 directly because the agent shares the instance's network
 * namespace; `expose` publishes the same path (and `/metrics`) through the sidecar for
 * callers outside the mesh.
 */
export function registration(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): Record<string, unknown> {
  const hc = service.healthCheck;
  const check = hc.kind === "http"
    ? { id: `${instance.id}-health`, name: `${service.name} HTTP ${hc.path}`, http: `http://127.0.0.1:${service.port}${hc.path}`, method: "GET", interval: hc.interval, timeout: hc.timeout }
    : { id: `${instance.id}-health`, name: `${service.name} TCP`, tcp: `127.0.0.1:${service.port}`, interval: hc.interval, timeout: hc.timeout };
  const exposePaths = [
    ...(hc.kind === "http" ? [{ path: hc.path, local_path_port: service.port, listener_port: EXPOSE_HEALTH_PORT, protocol: "http" }] : []),
    { path: "/metrics", local_path_port: service.port, listener_port: EXPOSE_METRICS_PORT, protocol: "http" },
  ];
  return {
    id: instance.id,
    name: service.name,
    port: service.port,
    tags: instance.tags,
    meta: instance.meta,
    weights: { passing: instance.weight, warning: 1 },
    checks: [check],
    connect: {
      sidecar_service: {
        port: SIDECAR_PORT,
        // Envoy's endpoints are the sidecar registrations, so their weights are the ones that
        // balance traffic (seen: weights only on the app gave an even 1:1:1 spread).
        weights: { passing: instance.weight, warning: 1 },
        proxy: {
          // Envoy reads these only at bootstrap, from this registration: an agent that registers
          // before it has joined a server has not merged proxy-defaults yet (seen: a sidecar
          // without its metrics listener). proxy-defaults carries them too.
          config: bootstrapProxyConfig(mesh),
          local_service_address: "127.0.0.1",
          local_service_port: service.port,
          upstreams: service.upstreams.map((u) => ({ destination_name: u.service, local_bind_address: "127.0.0.1", local_bind_port: u.localPort })),
          expose: { paths: exposePaths },
        },
      },
    },
  };
}

/** Client agent config of an instance's node container, with its registration. */
export function clientAgentConfig(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ConsulAgentConfig {
  return {
    ...agentDefaults(mesh),
    node_name: instance.id,
    server: false,
    retry_join: ["consul"],
    client_addr: "127.0.0.1",
    leave_on_terminate: true,
    services: [registration(mesh, service, instance)],
  };
}
