import type { ConfigEntry } from "../../plan";
import type { ResolvedMesh } from "../resolve";

/** Envoy's Prometheus listener on every proxy (sidecars and gateways). */
export const ENVOY_METRICS_PORT = 20200;
/** Zipkin's collector port. */
export const ZIPKIN_PORT = 9411;

/**
 * The proxy settings Envoy reads only when it bootstraps (metrics listener, the static Zipkin
 * cluster). They belong in every proxy registration as well as in proxy-defaults.
 */
export function bootstrapProxyConfig(mesh: ResolvedMesh): Record<string, string> {
  const config: Record<string, string> = {};
  if (mesh.telemetry.metrics) config["envoy_prometheus_bind_addr"] = `0.0.0.0:${ENVOY_METRICS_PORT}`;
  if (mesh.telemetry.samplePercent !== undefined) config["envoy_extra_static_clusters_json"] = JSON.stringify(zipkinCluster());
  return config;
}

function zipkinCluster(): object {
  return {
    name: "zipkin",
    type: "STRICT_DNS",
    connect_timeout: "5s",
    dns_lookup_family: "V4_ONLY",
    lb_policy: "ROUND_ROBIN",
    load_assignment: {
      cluster_name: "zipkin",
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "zipkin", port_value: ZIPKIN_PORT, protocol: "TCP" } } } }] }],
    },
  };
}

/**
 * Envoy batches health changes of a cluster's hosts (outlier ejections, Consul marking an
 * instance critical) and hands them to its worker threads only when `update_merge_window`
 * (1 s by default) ends. Until then an ejected instance keeps its share of requests, and
 * retries pile up past Envoy's retry circuit breaker (3 at once): on real containers, a
 * stopped instance behind retries and outlier detection failed 110 of 300 requests with the
 * default and none with the window closed. Consul 1.16 has no field for it, so the
 * `builtin/property-override` extension sets it to zero on every sidecar's upstream clusters
 * (gateways are outside that extension's reach).
 */
export const APPLY_HEALTH_CHANGES_AT_ONCE = {
  Name: "builtin/property-override",
  Arguments: {
    ProxyType: "connect-proxy",
    Patches: [
      {
        ResourceFilter: { ResourceType: "cluster", TrafficDirection: "outbound" },
        Op: "add",
        Path: "/common_lb_config/update_merge_window",
        Value: {}, // an empty google.protobuf.Duration: 0 s
      },
    ],
  },
} as const;

/**
 * Mesh-wide proxy settings: metrics listener, access logs, Zipkin tracing (listener-level
 * tracing config plus a static `zipkin` cluster, as Consul documents for Envoy tracing) and
 * {@link APPLY_HEALTH_CHANGES_AT_ONCE}.
 */
export function proxyDefaults(mesh: ResolvedMesh): ConfigEntry {
  const config = bootstrapProxyConfig(mesh);
  if (mesh.telemetry.samplePercent !== undefined) {
    config["envoy_listener_tracing_json"] = JSON.stringify({
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing",
      random_sampling: { value: mesh.telemetry.samplePercent },
      provider: {
        name: "envoy.tracers.zipkin",
        typed_config: {
          "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
          collector_cluster: "zipkin",
          collector_endpoint: "/api/v2/spans",
          collector_endpoint_version: "HTTP_JSON",
          shared_span_context: false,
        },
      },
    });
  }
  return {
    Kind: "proxy-defaults",
    Name: "global",
    Config: config,
    ...(mesh.telemetry.accessLogs ? { AccessLogs: { Enabled: true, Type: "stdout" } } : {}),
    EnvoyExtensions: [APPLY_HEALTH_CHANGES_AT_ONCE],
  };
}
