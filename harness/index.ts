/**
 * meshwright/harness: start a mesh on real containers and probe it.
 * @packageDocumentation
 */
// First, before anything can start a container: testcontainers' reaper is meshwright's own
// image (see modules/reaper.ts), so cleanup after a killed test process works here too.
import "./modules/reaper";
export * from "./realize";
export { eventually, type EventuallyOptions } from "./probes/eventually";
export { requireImages, MissingImageError } from "./modules/images";
export { reaperImages, REAPER_IMAGE_VARIABLE } from "./modules/reaper";
export { ConsulServerContainer, StartedConsulServerContainer } from "./modules/consul-server-container";
export { KeycloakContainer, StartedKeycloakContainer } from "./modules/keycloak-container";
export { PrometheusContainer, StartedPrometheusContainer } from "./modules/prometheus-container";
export { sendTraffic, TrafficSample, type TrafficOptions, type TrafficResult } from "./probes/traffic";
export { degrade, inflict, restartCount, restore, type ContainerFault, type WorkloadFaults } from "./probes/chaos";
export { promQuery, promByLabel, scrapeTargets } from "./probes/metrics";
export { catalogHealth, consulClient, sidecarEndpoints, type CatalogInstance } from "./probes/discovery";
export { accessLog, type AccessLogEntry } from "./probes/access-log";
export { formatAuthMatrix, mismatches, type AuthCell } from "./probes/auth-matrix";
export * as forgedTokens from "./probes/forged-tokens";
export * from "./stats";
