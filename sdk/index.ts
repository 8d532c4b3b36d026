/**
 * meshwright SDK: declare a mesh, validate it, compile it to a plain-data {@link MeshPlan}.
 * Pure: no I/O, no Docker, no Pulumi.
 */
export { Mesh, Ingress, type MeshProps } from "./model/mesh";
export {
  Service,
  type ServiceProps,
  type ServiceRef,
  type InstanceProps,
  type HealthCheck,
  type HttpHealthCheck,
  type TcpHealthCheck,
  type UpstreamProps,
  type UpstreamResilience,
  type Failover,
  type SubsetFailover,
  type ServiceFailover,
  type OrderedFailover,
  type FailoverTarget,
  type Protocol,
} from "./model/service";
export type * from "./model/load-balancing";
export type { HttpRouteMatch, QueryParamMatch, HeaderEdits, RouteAction, ServiceRoute } from "./model/routing";
export type { Resilience, Retries, RetryCondition, OutlierDetection, ConnectionLimits } from "./model/resilience";
export type { AccessRule, AccessAction, HeaderMatch, HttpMethod } from "./model/access";
export type { AppProps, ImageApp, BuildApp, AppBuild, AppSettings, SecretEnvRef, AppFile, AppResources } from "./model/app";
export type { IdentityProps, ScopeProps, RoleProps, UserProps, ServiceIdentityProps, WebAppProps } from "./model/identity";
export type { IngressProps, ListenerProps, RouteProps } from "./model/ingress";
export type { TelemetryProps, TracingProps } from "./model/telemetry";
export type { SidecarProps } from "./model/sidecars";
export type { ConsulProps } from "./model/consul";
export type { Duration } from "./model/duration";
export { DEFAULT_IMAGES, type ImageSet } from "./model/images";
export type {
  MeshSpec,
  ServiceSpec,
  UpstreamSpec,
  AccessSpec,
  IngressSpec,
  IngressRouteSpec,
  ServiceRouteSpec,
  FailoverSpec,
  FailoverTargetSpec,
  IdentitySpec,
  WebAppSpec,
} from "./model/spec";
export { MeshValidationError, MeshInvariantError, type MeshIssue } from "./errors";
export { validate } from "./validate";
export { compile, PLAN_VERSION } from "./compile";
export { SECRET } from "./compile/secrets";
export { TRACE_HEADERS, CONTRACT_ENV, upstreamEnvName } from "./compile/app";
export { ENDPOINT_HEADER } from "./compile/consul/proxy-defaults";
export { UNTRUSTED_REQUEST_HEADERS } from "./compile/consul/router";
export { AMBIGUOUS_PATH } from "./compile/consul/intentions";
export { consulForm } from "./compile/consul";
export { entryDrift } from "./compile/consul/drift";
export { warnings } from "./validate/warnings";
export { planWeaknesses } from "./compile/plan-weaknesses";
export { percentages } from "./compile/consul/splitter";
export { JWT_PROVIDER_NAME, TEST_CLIENT_ID, SCOPE_CLAIM_PREFIX, ROLE_CLAIM_PREFIX } from "./compile/keycloak/claims";
export type * from "./plan";
export { secretRef, secretRefsIn, resolveSecretRefs, SECRET_REF_PATTERN, SECRET_NAME } from "./plan";
