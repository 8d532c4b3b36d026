/**
 * meshwright/harness: start a mesh on real containers and probe it.
 * @packageDocumentation
 */
import "./peers";

// First, before anything can start a container: testcontainers' reaper is meshwright's own
// image (see realize/reaper.ts), so cleanup after a killed test process works here too.
import "./realize/reaper";
export * from "./realize";
export { attachKubernetesMesh, type AttachKubernetesOptions } from "./kubernetes/attach-kubernetes";
export { KubeContainer, runKubectl, type KubeAccess } from "./kubernetes/kube-container";
export { eventually, type EventuallyOptions } from "./probes/eventually";
export { requireImages, MissingImageError } from "./realize/images";
export { ConsulServer, CONSUL_MAX_CONNECTIONS } from "./roles/consul-server";
export { KeycloakServer, type TokenOptions } from "./roles/keycloak";
export { PrometheusServer, type PromSeries, type ScrapeTarget } from "./roles/prometheus";
export { ZipkinServer, ZipkinUnreachableError, type ZipkinSpan, type TraceQuery } from "./roles/zipkin";
export { Instance } from "./roles/instance";
export { IngressGateway, type IngressRequest, type IngressResponse } from "./roles/ingress";
export { execHttp, type ExecHttpOptions, type ExecHttpResult } from "./probes/probe-exec";
export { reaperImages, REAPER_IMAGE_VARIABLE } from "./realize/reaper";
export { sendTraffic, TrafficSample, type TrafficOptions, type TrafficResult } from "./probes/traffic";
export { requestCounts, type RequestCounts } from "./probes/requests";
export { degrade, healAll, inflict, restartCount, restore, type ContainerFault, type WorkloadFaults } from "./probes/chaos";
export { startCpuHog, CPU_HOG_LABEL, type CpuHog, type CpuHogOptions } from "./probes/cpu-hog";
export { engineLiveRestore, restartDockerEngine, type EngineRestart, type RestartOptions } from "./probes/engine-restart";
export { promQuery, promByLabel, scrapeTargets } from "./probes/metrics";
export {
  catalogHealth,
  consulClient,
  healthyEndpointsOf,
  parseClusterName,
  sidecarEndpoints,
  type CatalogInstance,
  type MeshClusterName,
} from "./probes/discovery";
export { accessLog, type AccessLogEntry } from "./probes/access-log";
export { formatAuthMatrix, mismatches, type AuthCell } from "./probes/auth-matrix";
export { formatSecurityMatrix, securityMismatches, type SecurityCell } from "./probes/security-matrix";
export * as forgedTokens from "./probes/forged-tokens";
export * from "./stats";
export * from "./report";
// Types the public signatures above name, so the API reference can show them.
export type { ConsulApi } from "./realize/consul-acl";
export type { Execs } from "./probes/probe-exec";
export type { StartedPlanContainer } from "./realize/started-mesh";
export type { AttachedContainer } from "./docker/attached-container";
