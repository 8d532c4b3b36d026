import type { ConfigEntry } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { UNTRUSTED_REQUEST_HEADERS } from "./router";

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

/** Response header naming the sidecar address (`ip:port`) of the instance that answered. */
export const ENDPOINT_HEADER = "x-meshwright-endpoint";

/**
 * The Lua script of every sidecar's inbound listener (Consul's `builtin/lua` extension; it
 * runs after the JWT and RBAC filters, before the request reaches the app):
 *
 * - on requests, it removes {@link UNTRUSTED_REQUEST_HEADERS}, and `x-forwarded-for` unless
 *   the caller's certificate is an ingress gateway's (the gateways set it to the client's
 *   real address). Callers' own sidecars remove them already (service-router), but an app
 *   that gets its own leaf certificate (its sidecar's token is readable from Envoy's admin
 *   API) can call another sidecar directly, and then nothing else would: seen on the real
 *   components, a forged `x-forwarded-for`, `x-real-ip`, `forwarded` and
 *   `x-envoy-original-path` reached the app. `x-forwarded-client-cert` is left to the mesh
 *   entry's sanitizing, which Envoy applies before any filter.
 * - on responses, it stamps the sidecar's own public address as {@link ENDPOINT_HEADER},
 *   replacing whatever the app sent; the harness maps the address to the instance through the
 *   catalog, so a balance verdict knows who answered whatever the app's body looks like.
 */
export function inboundLua(gateways: readonly string[], datacenter: string): { Name: string; Arguments: Record<string, string> } {
  const strip = UNTRUSTED_REQUEST_HEADERS.filter((h) => h !== "x-forwarded-for" && h !== "x-forwarded-client-cert");
  const trusted = gateways.map((g) => `/dc/${datacenter}/svc/${g}`);
  return {
    Name: "builtin/lua",
    Arguments: {
      ProxyType: "connect-proxy",
      Listener: "inbound",
      Script: [
        `local untrusted = {${strip.map((h) => `"${h}"`).join(", ")}}`,
        `local gateways = {${trusted.map((t) => `"${t}"`).join(", ")}}`,
        "local function from_gateway(handle)",
        "  local ssl = handle:streamInfo():downstreamSslConnection()",
        "  if ssl == nil then return false end",
        "  for _, uri in ipairs(ssl:uriSanPeerCertificate()) do",
        "    for _, suffix in ipairs(gateways) do",
        "      if string.sub(uri, -string.len(suffix)) == suffix then return true end",
        "    end",
        "  end",
        "  return false",
        "end",
        "function envoy_on_request(request_handle)",
        "  local headers = request_handle:headers()",
        "  for _, name in ipairs(untrusted) do headers:remove(name) end",
        '  if not from_gateway(request_handle) then headers:remove("x-forwarded-for") end',
        "end",
        "function envoy_on_response(response_handle)",
        `  response_handle:headers():replace("${ENDPOINT_HEADER}", response_handle:streamInfo():downstreamLocalAddress())`,
        "end",
      ].join("\n"),
    },
  };
}

/**
 * Access log lines record what really arrived: the path Envoy matched (`:path`, not a
 * caller-supplied `x-envoy-original-path`) and the TCP peer (`DOWNSTREAM_DIRECT_REMOTE_ADDRESS`:
 * Envoy derives `DOWNSTREAM_REMOTE_ADDRESS` from a caller-supplied `x-forwarded-for`, and on
 * the real components a forged one was logged as the peer, `6.6.6.6:0`). Otherwise the fields
 * of Consul's default JSON format.
 */
export const ACCESS_LOG_FORMAT = {
  start_time: "%START_TIME%",
  method: "%REQ(:METHOD)%",
  path: "%REQ(:PATH)%",
  protocol: "%PROTOCOL%",
  response_code: "%RESPONSE_CODE%",
  response_flags: "%RESPONSE_FLAGS%",
  response_code_details: "%RESPONSE_CODE_DETAILS%",
  bytes_received: "%BYTES_RECEIVED%",
  bytes_sent: "%BYTES_SENT%",
  duration: "%DURATION%",
  upstream_service_time: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
  user_agent: "%REQ(USER-AGENT)%",
  request_id: "%REQ(X-REQUEST-ID)%",
  authority: "%REQ(:AUTHORITY)%",
  upstream_host: "%UPSTREAM_HOST%",
  upstream_cluster: "%UPSTREAM_CLUSTER%",
  downstream_local_address: "%DOWNSTREAM_LOCAL_ADDRESS%",
  downstream_remote_address: "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%",
  requested_server_name: "%REQUESTED_SERVER_NAME%",
} as const;

/**
 * Mesh-wide proxy settings: metrics listener, access logs, Zipkin tracing (listener-level
 * tracing config plus a static `zipkin` cluster, as Consul documents for Envoy tracing),
 * {@link APPLY_HEALTH_CHANGES_AT_ONCE} and {@link inboundLua}.
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
    ...(mesh.telemetry.accessLogs ? { AccessLogs: { Enabled: true, Type: "stdout", JSONFormat: JSON.stringify(ACCESS_LOG_FORMAT) } } : {}),
    EnvoyExtensions: [
      APPLY_HEALTH_CHANGES_AT_ONCE,
      inboundLua(
        mesh.ingresses.map((g) => g.name),
        mesh.datacenter,
      ),
    ],
  };
}
