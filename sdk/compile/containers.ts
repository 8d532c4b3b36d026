import type { ContainerSpec } from "../plan";
import { ENVOY_METRICS_PORT, ZIPKIN_PORT } from "./consul/proxy-defaults";
import { clientAgentConfig, EXPOSE_HEALTH_PORT, EXPOSE_METRICS_PORT, SIDECAR_PORT } from "./consul/registration";
import type { ResolvedInstance, ResolvedMesh, ResolvedService } from "./resolve";

/** Everything containers need that other compilers produce. */
export interface ContainerInputs {
  readonly serverConfig: Record<string, unknown>;
  readonly realm?: { readonly json: Record<string, unknown>; readonly fileName: string };
  readonly clientSecrets: ReadonlyMap<string, string>;
  readonly adminPassword?: string;
  readonly prometheus?: Record<string, unknown>;
}

const ADMIN_PORT = 19000;
const SECOND = 1000;

/** Docker health check: every check polls quickly, since tests wait on them. */
function health(test: string[], retries = 60, startPeriodMs = 1 * SECOND): NonNullable<ContainerSpec["healthCheck"]> {
  return { test, intervalMs: 2 * SECOND, timeoutMs: 5 * SECOND, retries, startPeriodMs };
}

/**
 * HTTP GET over bash's /dev/tcp: the Debian-based images ship bash but no curl. HTTP/1.1,
 * because Envoy's admin API answers HTTP/1.0 with 426 Upgrade Required.
 */
function httpProbe(port: number, path: string, expect: string): string[] {
  return ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '${expect}' <&3`];
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Containers in start order: Consul server, Keycloak, Zipkin, then per instance its node
 * (Consul client agent, owner of the network namespace), app and sidecar, then gateways and
 * Prometheus last.
 */
export function containers(mesh: ResolvedMesh, inputs: ContainerInputs): ContainerSpec[] {
  const list: ContainerSpec[] = [consulServer(mesh, inputs)];
  if (mesh.identity && inputs.realm && inputs.adminPassword) list.push(keycloak(mesh, inputs.realm, inputs.adminPassword));
  if (mesh.telemetry.samplePercent !== undefined) list.push(zipkin(mesh));
  for (const service of mesh.services) {
    for (const instance of service.instances) {
      list.push(node(mesh, service, instance), app(mesh, service, instance, inputs.clientSecrets.get(service.name)), sidecar(mesh, service, instance));
    }
  }
  for (const gateway of mesh.ingresses) list.push(ingress(mesh, gateway.name, gateway.listeners.map((l) => l.port)));
  if (inputs.prometheus) list.push(prometheus(mesh, inputs.prometheus));
  return list;
}

function consulServer(mesh: ResolvedMesh, inputs: ContainerInputs): ContainerSpec {
  return {
    name: "consul",
    role: "consul-server",
    image: mesh.images.consul,
    command: ["agent", "-config-file=/consul/config/server.json"],
    env: {},
    files: [{ path: "/consul/config/server.json", content: json(inputs.serverConfig) }],
    ports: [
      { container: 8500, protocol: "tcp", purpose: "Consul HTTP API and UI" },
      { container: 8502, protocol: "tcp", purpose: "Consul gRPC (xDS)" },
    ],
    networkAliases: ["consul"],
    // catalog reads need an elected leader, so this passes only once config entries can be written
    healthCheck: health(["CMD", "consul", "catalog", "services"]),
    restartPolicy: "unless-stopped",
    dependsOn: [],
  };
}

function keycloak(mesh: ResolvedMesh, realm: NonNullable<ContainerInputs["realm"]>, adminPassword: string): ContainerSpec {
  const identity = mesh.identity;
  const url = new URL(identity?.url ?? "http://keycloak:8080");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return {
    name: "keycloak",
    role: "keycloak",
    image: mesh.images.keycloak,
    entrypoint: ["/opt/keycloak/bin/kc.sh"],
    command: ["start", "--optimized", "--import-realm"],
    env: {
      KC_HOSTNAME: identity?.url ?? "http://keycloak:8080",
      KC_HTTP_ENABLED: "true",
      KC_HTTP_PORT: String(port),
      KC_BOOTSTRAP_ADMIN_USERNAME: "admin",
      KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
    },
    files: [{ path: `/opt/keycloak/data/import/${realm.fileName}`, content: json(realm.json) }],
    ports: [
      { container: port, protocol: "tcp", purpose: "Keycloak HTTP (tokens, JWKS, admin console)" },
      { container: 9000, protocol: "tcp", purpose: "Keycloak management (health, metrics)" },
    ],
    networkAliases: ["keycloak"],
    healthCheck: health(httpProbe(9000, "/health/ready", "HTTP/1.[01] 200"), 90, 10 * SECOND),
    restartPolicy: "unless-stopped",
    dependsOn: [],
  };
}

function zipkin(mesh: ResolvedMesh): ContainerSpec {
  return {
    name: "zipkin",
    role: "zipkin",
    image: mesh.images.zipkin,
    command: [],
    env: {},
    files: [],
    ports: [{ container: ZIPKIN_PORT, protocol: "tcp", purpose: "Zipkin API and UI" }],
    networkAliases: ["zipkin"],
    restartPolicy: "unless-stopped",
    dependsOn: [],
  };
}

function node(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ContainerSpec {
  return {
    name: instance.id,
    role: "node",
    service: service.name,
    instance: instance.id,
    image: mesh.images.consul,
    command: ["agent", "-config-file=/consul/config/agent.json"],
    env: {},
    files: [{ path: "/consul/config/agent.json", content: json(clientAgentConfig(mesh, service, instance)) }],
    ports: [
      { container: SIDECAR_PORT, protocol: "tcp", purpose: "sidecar public listener (mTLS, mesh only)" },
      { container: ENVOY_METRICS_PORT, protocol: "tcp", purpose: "Envoy Prometheus metrics" },
      ...(service.healthCheck.kind === "http" ? [{ container: EXPOSE_HEALTH_PORT, protocol: "tcp" as const, purpose: "exposed health check path" }] : []),
      { container: EXPOSE_METRICS_PORT, protocol: "tcp", purpose: "exposed app /metrics" },
    ],
    networkAliases: [instance.id],
    // passes once the agent has joined the server (catalog reads are forwarded to it)
    healthCheck: health(["CMD", "consul", "catalog", "services"]),
    restartPolicy: "unless-stopped",
    dependsOn: ["consul"],
  };
}

function app(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance, clientSecret: string | undefined): ContainerSpec {
  const identity = mesh.identity;
  return {
    name: `${instance.id}-app`,
    role: "app",
    service: service.name,
    instance: instance.id,
    image: mesh.images.workload,
    command: ["serve"],
    env: {
      SERVICE_NAME: service.name,
      INSTANCE_ID: instance.id,
      VERSION: instance.version,
      LISTEN_ADDR: `127.0.0.1:${service.port}`,
      UPSTREAMS: service.upstreams.map((u) => `${u.service}=127.0.0.1:${u.localPort}`).join(","),
      ...(identity && clientSecret
        ? {
            OAUTH_CLIENT_ID: service.name,
            OAUTH_CLIENT_SECRET: clientSecret,
            OAUTH_TOKEN_URL: `${identity.issuer}/protocol/openid-connect/token`,
          }
        : {}),
    },
    files: [],
    ports: [],
    networkAliases: [],
    networkMode: { container: instance.id },
    // `workload get` exits 0 on any HTTP response: the app is up, healthy or not
    healthCheck: health(["CMD", "workload", "get", `http://127.0.0.1:${service.port}/health`]),
    restartPolicy: "on-failure",
    dependsOn: [instance.id],
  };
}

function sidecar(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ContainerSpec {
  return {
    name: `${instance.id}-sidecar`,
    role: "sidecar",
    service: service.name,
    instance: instance.id,
    image: mesh.images.sidecar,
    command: ["-sidecar-for", instance.id, "-admin-bind", `127.0.0.1:${ADMIN_PORT}`, "-ignore-envoy-compatibility"],
    env: { CONSUL_HTTP_ADDR: "127.0.0.1:8500", CONSUL_GRPC_ADDR: "127.0.0.1:8502" },
    files: [],
    ports: [],
    networkAliases: [],
    networkMode: { container: instance.id },
    healthCheck: health(httpProbe(ADMIN_PORT, "/ready", "LIVE")),
    // exits when the agent has not yet registered the service; a restart retries
    restartPolicy: "on-failure",
    dependsOn: [instance.id],
  };
}

function ingress(mesh: ResolvedMesh, name: string, listenerPorts: number[]): ContainerSpec {
  return {
    name,
    role: "ingress",
    image: mesh.images.sidecar,
    command: ["-gateway=ingress", "-register", "-service", name, "-address", `{{ GetInterfaceIP "eth0" }}:${SIDECAR_PORT}`, "-admin-bind", `127.0.0.1:${ADMIN_PORT}`, "-ignore-envoy-compatibility"],
    env: { CONSUL_HTTP_ADDR: "consul:8500", CONSUL_GRPC_ADDR: "consul:8502" },
    files: [],
    ports: [
      ...listenerPorts.map((p) => ({ container: p, protocol: "tcp" as const, purpose: "ingress listener" })),
      { container: ENVOY_METRICS_PORT, protocol: "tcp", purpose: "Envoy Prometheus metrics" },
    ],
    networkAliases: [name],
    healthCheck: health(httpProbe(ADMIN_PORT, "/ready", "LIVE")),
    restartPolicy: "on-failure",
    dependsOn: ["consul"],
  };
}

function prometheus(mesh: ResolvedMesh, config: Record<string, unknown>): ContainerSpec {
  return {
    name: "prometheus",
    role: "prometheus",
    image: mesh.images.prometheus,
    command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/tmp/prometheus", "--web.enable-lifecycle"],
    env: {},
    // JSON is YAML, so the config object is written as JSON
    files: [{ path: "/etc/prometheus/prometheus.yml", content: json(config) }],
    ports: [{ container: 9090, protocol: "tcp", purpose: "Prometheus API and UI" }],
    networkAliases: ["prometheus"],
    healthCheck: health(httpProbe(9090, "/-/ready", "HTTP/1.[01] 200")),
    restartPolicy: "unless-stopped",
    dependsOn: ["consul"],
  };
}
