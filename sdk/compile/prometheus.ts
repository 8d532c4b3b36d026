import { secretRef, type PrometheusConfig } from "./../plan";
import { SECRET } from "./secrets";
import { CONSUL_PORTS } from "./consul/server";

/** Where the Prometheus container finds the Consul CA. */
export const PROMETHEUS_CONSUL_CA_FILE = "/etc/prometheus/consul-ca.pem";
import { ENVOY_METRICS_PORT } from "./consul/proxy-defaults";
import { EXPOSE_METRICS_PORT } from "./consul/registration";
import type { ResolvedMesh } from "./resolve";

/**
 * prometheus.yml: Envoy metrics of every sidecar and gateway found through Consul's catalog,
 * each app's `/metrics` through its exposed path, the Consul server, and Keycloak. Consul is
 * reached over HTTPS (verified against the mesh's Consul CA) with Prometheus' own read-only
 * token; the file is secret because it holds that token.
 */
export function prometheusConfig(mesh: ResolvedMesh): PrometheusConfig {
  const tls = { ca_file: PROMETHEUS_CONSUL_CA_FILE };
  const token = secretRef(SECRET.prometheusToken);
  // Refresh as often as the scrape interval: new and moved instances show up within seconds.
  const consulSd = [{ server: `consul:${CONSUL_PORTS.https}`, scheme: "https", tls_config: tls, token, datacenter: mesh.datacenter, refresh_interval: "5s" }];
  const gateways = mesh.ingresses.map((g) => g.name);
  const proxyRegex = gateways.length ? `(.+-sidecar-proxy|${gateways.join("|")})` : "(.+-sidecar-proxy)";
  return {
    global: { scrape_interval: mesh.telemetry.scrapeInterval, evaluation_interval: mesh.telemetry.scrapeInterval },
    scrape_configs: [
      {
        job_name: "envoy",
        metrics_path: "/metrics",
        consul_sd_configs: consulSd,
        relabel_configs: [
          { source_labels: ["__meta_consul_service"], regex: proxyRegex, action: "keep" },
          { source_labels: ["__meta_consul_address"], regex: "(.+)", replacement: `$1:${ENVOY_METRICS_PORT}`, target_label: "__address__" },
          // gateways registered through the server carry their own address
          { source_labels: ["__meta_consul_service_address"], regex: "(.+)", replacement: `$1:${ENVOY_METRICS_PORT}`, target_label: "__address__" },
          { source_labels: ["__meta_consul_service"], regex: "(.+?)(-sidecar-proxy)?", replacement: "$1", target_label: "service" },
          { source_labels: ["__meta_consul_service_id"], regex: "(.+?)(-sidecar-proxy)?", replacement: "$1", target_label: "instance" },
        ],
      },
      {
        job_name: "apps",
        metrics_path: "/metrics",
        consul_sd_configs: consulSd,
        relabel_configs: [
          { source_labels: ["__meta_consul_service"], regex: mesh.services.length ? `(${mesh.services.map((s) => s.name).join("|")})` : "^$", action: "keep" },
          { source_labels: ["__meta_consul_address"], regex: "(.+)", replacement: `$1:${EXPOSE_METRICS_PORT}`, target_label: "__address__" },
          { source_labels: ["__meta_consul_service"], target_label: "service" },
          { source_labels: ["__meta_consul_service_id"], target_label: "instance" },
          { source_labels: ["__meta_consul_service_metadata_subset"], target_label: "subset" },
          { source_labels: ["__meta_consul_service_metadata_version"], target_label: "version" },
        ],
      },
      {
        job_name: "consul",
        metrics_path: "/v1/agent/metrics",
        params: { format: ["prometheus"] },
        scheme: "https",
        tls_config: tls,
        authorization: { type: "Bearer", credentials: token },
        static_configs: [{ targets: [`consul:${CONSUL_PORTS.https}`] }],
      },
      ...(mesh.identity ? [{ job_name: "keycloak", metrics_path: "/metrics", static_configs: [{ targets: ["keycloak:9000"] }] }] : []),
    ],
  };
}
