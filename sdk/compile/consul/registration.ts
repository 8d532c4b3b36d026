import { secretRef, type ConsulAgentConfig } from "../../plan";
import type { ResolvedInstance, ResolvedMesh, ResolvedService } from "../resolve";
import { SECRET } from "../secrets";
import { agentDefaults, CONSUL_CA_FILE } from "./agent-defaults";
import { bootstrapProxyConfig } from "./proxy-defaults";

/** The sidecar's public (mTLS) listener port inside each instance. */
export const SIDECAR_PORT = 21000;
/** Exposed (plain HTTP, non-mesh) listener for the health check path. */
export const EXPOSE_HEALTH_PORT = 21500;
/** Exposed listener for the app's `/metrics`. */
export const EXPOSE_METRICS_PORT = 21501;
/** Envoy's admin API, on loopback inside each instance (and each gateway). */
export const ENVOY_ADMIN_PORT = 19000;
/** The local agent's HTTP API, on loopback inside each instance. */
export const AGENT_HTTP_PORT = 8500;
/** The local agent's gRPC (xDS) port, on loopback inside each instance. */
export const AGENT_GRPC_PORT = 8502;

/**
 * Agent service definition (snake_case, as in an agent config file) of one instance, with
 * the instance's own service token (service identity: it can register this service and its
 * sidecar, nothing else). The check targets 127.0.0.1 directly because the agent shares the
 * instance's network namespace; `expose` publishes the same path (and `/metrics`) through
 * the sidecar for callers outside the mesh.
 */
export function registration(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): Record<string, unknown> {
  const hc = service.healthCheck;
  const check =
    hc.kind === "http"
      ? {
          id: `${instance.id}-health`,
          name: `${service.name} HTTP ${hc.path}`,
          http: `http://127.0.0.1:${service.port}${hc.path}`,
          method: "GET",
          interval: hc.interval,
          timeout: hc.timeout,
        }
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
    token: secretRef(SECRET.serviceToken(instance.id)),
    connect: {
      sidecar_service: {
        port: SIDECAR_PORT,
        // Envoy's endpoints are the sidecar registrations, so their weights are the ones that
        // balance traffic (seen: weights only on the app gave an even 1:1:1 spread).
        weights: { passing: instance.weight, warning: 1 },
        checks: sidecarChecks(instance.id),
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

/**
 * The sidecar's checks, in place of Consul's defaults (a TCP check of the public listener
 * every 10 s and an alias of the instance). A Consul 1.16 agent registers a sidecar again
 * whenever proxy-defaults or service-defaults change, and that resets a check to its initial
 * status: critical by default, with empty output, until its next run up to an interval later.
 * Every sidecar of the mesh went critical at once for 2-9 s on a proxy-defaults write, and
 * callers answered 503 (no healthy upstream) meanwhile. So the listener check starts
 * `passing` (a re-registration leaves a running Envoy as it was) and runs every second, which
 * bounds the optimistic first second of a new sidecar and finds a dead Envoy within a second;
 * the alias keeps the sidecar no healthier than its instance, whose own check starts critical.
 */
function sidecarChecks(instanceId: string): Record<string, unknown>[] {
  return [
    { name: "Connect Sidecar Listening", tcp: `127.0.0.1:${SIDECAR_PORT}`, interval: "1s", timeout: "1s", status: "passing" },
    { name: `Connect Sidecar Aliasing ${instanceId}`, alias_service: instanceId },
  ];
}

/**
 * Client agent config of an instance's node container, with its registration. Its HTTP and
 * gRPC APIs listen on loopback only (the sidecar, the app and the probe share the namespace,
 * so ACLs, not the address, keep the app out); its agent token has the node's identity.
 */
export function clientAgentConfig(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ConsulAgentConfig {
  const defaults = agentDefaults(mesh);
  return {
    ...defaults,
    node_name: instance.id,
    server: false,
    retry_join: [...mesh.consulServers],
    client_addr: "127.0.0.1",
    leave_on_terminate: true,
    acl: { ...(defaults.acl as Record<string, unknown>), tokens: { agent: secretRef(SECRET.nodeToken(instance.id)) } },
    ports: { http: AGENT_HTTP_PORT, grpc: AGENT_GRPC_PORT },
    tls: { defaults: { ca_file: CONSUL_CA_FILE, verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } },
    auto_encrypt: { tls: true },
    services: [registration(mesh, service, instance)],
  };
}
