import { secretRef, type AppContract, type PlannedApp } from "../plan";
import type { ResolvedInstance, ResolvedMesh, ResolvedService } from "./resolve";
import { SECRET } from "./secrets";

/**
 * Request headers an app must copy from each inbound request onto the calls that request
 * causes, so a trace (W3C Trace Context and Zipkin's B3, which Envoy's Zipkin tracer reads)
 * and Envoy's request id follow it.
 */
export const TRACE_HEADERS = [
  "traceparent",
  "tracestate",
  "x-request-id",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-parentspanid",
  "x-b3-sampled",
  "x-b3-flags",
  "b3",
] as const;

/** The workload's admin API: loopback only, on its own port, never served through the mesh. */
export const WORKLOAD_ADMIN_PORT = 19100;

/** Env names every app gets; `env` of an app may not replace them. */
export const CONTRACT_ENV = [
  "SERVICE_NAME",
  "INSTANCE_ID",
  "VERSION",
  "LISTEN_ADDR",
  "PORT",
  "UPSTREAMS",
  "OAUTH_CLIENT_ID",
  "OAUTH_CLIENT_SECRET",
  "OAUTH_TOKEN_URL",
  "OAUTH_ISSUER",
  "TRACE_HEADERS",
] as const;

/** `UPSTREAM_<NAME>_URL` for an upstream service. */
export function upstreamEnvName(service: string): string {
  return `UPSTREAM_${service.toUpperCase().replace(/-/g, "_")}_URL`;
}

/** The contract of a service's app (what `AppContract` documents). */
export function appContract(mesh: ResolvedMesh, service: ResolvedService): AppContract {
  const identity = mesh.identity;
  return {
    serviceName: service.name,
    listenAddr: `127.0.0.1:${service.port}`,
    upstreams: service.upstreams.map((u) => ({ service: u.service, env: upstreamEnvName(u.service), url: `http://127.0.0.1:${u.localPort}` })),
    ...(identity
      ? {
          oauth: {
            clientId: service.name,
            clientSecret: secretRef(SECRET.clientSecret(service.name)),
            tokenUrl: `${identity.issuer}/protocol/openid-connect/token`,
            issuer: identity.issuer,
          },
        }
      : {}),
    traceHeaders: [...TRACE_HEADERS],
  };
}

/** What the plan says about a service's app. */
export function plannedApp(mesh: ResolvedMesh, service: ResolvedService): PlannedApp {
  const app = service.app;
  const healthCheck = service.healthCheck.kind === "http" ? { kind: "http" as const, path: service.healthCheck.path } : { kind: "tcp" as const };
  const contract = appContract(mesh, service);
  if (!app) return { kind: "workload", image: mesh.images.workload, contract, healthCheck };
  if (app.build) return { kind: "build", image: buildRepository(mesh, service), build: service.name, contract, healthCheck };
  return { kind: "image", image: app.image, contract, healthCheck };
}

/** Local repository a built app image is tagged in (the tag is the content hash). */
export function buildRepository(mesh: ResolvedMesh, service: ResolvedService): string {
  return `meshwright-app/${mesh.name}-${service.name}`;
}

/**
 * The environment of one instance's app container: the contract, then the app's `env`, then
 * the instance's `env`, then `secretEnv` as references. Workload apps also get their version
 * and admin address.
 */
export function appEnv(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): Record<string, string> {
  const c = appContract(mesh, service);
  const port = service.port;
  return {
    SERVICE_NAME: c.serviceName,
    INSTANCE_ID: instance.id,
    VERSION: instance.version,
    LISTEN_ADDR: c.listenAddr,
    PORT: String(port),
    UPSTREAMS: service.upstreams.map((u) => `${u.service}=127.0.0.1:${u.localPort}`).join(","),
    ...Object.fromEntries(c.upstreams.map((u) => [u.env, u.url])),
    ...(c.oauth
      ? { OAUTH_CLIENT_ID: c.oauth.clientId, OAUTH_CLIENT_SECRET: c.oauth.clientSecret, OAUTH_TOKEN_URL: c.oauth.tokenUrl, OAUTH_ISSUER: c.oauth.issuer }
      : {}),
    TRACE_HEADERS: c.traceHeaders.join(","),
    ...(service.app ? {} : { ADMIN_ADDR: `127.0.0.1:${WORKLOAD_ADMIN_PORT}` }),
    ...service.app?.env,
    ...instance.env,
    ...Object.fromEntries(Object.entries(service.app?.secretEnv ?? {}).map(([k, ref]) => [k, secretRef(SECRET.app(ref.secret))])),
  };
}
