/**
 * meshwright/harness: start a mesh on real containers and probe it.
 * @packageDocumentation
 */
export * from "./realize";
export { eventually, type EventuallyOptions } from "./probes/eventually";
export { requireImages, MissingImageError } from "./modules/images";
export { ConsulServerContainer, StartedConsulServerContainer } from "./modules/consul-server-container";
export { KeycloakContainer, StartedKeycloakContainer } from "./modules/keycloak-container";
export { PrometheusContainer, StartedPrometheusContainer } from "./modules/prometheus-container";
