import { secretRef, type ContainerSpec } from "../plan";
import { appEnv, buildRepository } from "./app";
import { consulCaFile } from "./consul/agent-defaults";
import { ENVOY_METRICS_PORT, ZIPKIN_PORT } from "./consul/proxy-defaults";
import {
  AGENT_GRPC_PORT,
  AGENT_HTTP_PORT,
  clientAgentConfig,
  ENVOY_ADMIN_PORT,
  EXPOSE_HEALTH_PORT,
  EXPOSE_METRICS_PORT,
  SIDECAR_PORT,
} from "./consul/registration";
import { CONSUL_PORTS, SERVER_CERT_FILE, SERVER_DATA_DIR, SERVER_KEY_FILE } from "./consul/server";
import { PROMETHEUS_CONSUL_CA_FILE } from "./prometheus";
import type { ResolvedInstance, ResolvedMesh, ResolvedService } from "./resolve";
import { SECRET } from "./secrets";

/** Everything containers need that other compilers produce. */
export interface ContainerInputs {
  readonly serverConfig: Record<string, unknown>;
  readonly realm?: { readonly json: Record<string, unknown>; readonly fileName: string };
  readonly prometheus?: Record<string, unknown>;
}

const SECOND = 1000;

/**
 * Hardening of the containers meshwright's own images run (Consul, Envoy, Keycloak, PostgreSQL,
 * Prometheus, Zipkin, the probe): no Linux capabilities at all (none of them binds a low port
 * or changes users) and no privilege gain through setuid binaries.
 */
const PLATFORM_SECURITY = { capDrop: ["ALL"], noNewPrivileges: true } as const;
/**
 * Hardening of user apps, whose needs meshwright does not know: no raw sockets (so an app
 * cannot spoof or sniff its neighbours' traffic on the bridge) and no privilege gain.
 */
const APP_SECURITY = { capDrop: ["NET_RAW"], noNewPrivileges: true } as const;

/**
 * Docker health check: every 0.5 s while the container starts (the harness and `pulumi up`
 * wait on it), then every 30 s. Each check is an exec; at a 2 s interval, three per instance
 * cost the host a steady share of a core with no traffic at all (bench/mesh).
 */
function health(test: string[], readyWithinMs = 120 * SECOND): NonNullable<ContainerSpec["healthCheck"]> {
  return { test, intervalMs: 30 * SECOND, startIntervalMs: SECOND / 2, timeoutMs: 5 * SECOND, retries: 3, startPeriodMs: readyWithinMs };
}

/**
 * HTTP GET over bash's /dev/tcp: the Debian-based images ship bash but no curl. HTTP/1.1,
 * because Envoy's admin API answers HTTP/1.0 with 426 Upgrade Required.
 */
function httpProbe(port: number, path: string, expect: string): string[] {
  return [
    "CMD",
    "bash",
    "-c",
    `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '${expect}' <&3`,
  ];
}

/**
 * A Consul check that its token is accepted and its agent reaches a server: `acl token read
 * -self` goes through the agent to the leader, and prints Consul's reason (e.g. "ACL not
 * found") in the health log when it fails.
 */
const CONSUL_TOKEN_CHECK = ["CMD", "consul", "acl", "token", "read", "-self"];

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** PostgreSQL's port, and the role and database Keycloak gets in it. */
export const POSTGRES = { port: 5432, user: "keycloak", database: "keycloak" } as const;

/** The Keycloak image for the mesh's database: the database kind is fixed when Keycloak is built. */
export function keycloakImage(mesh: ResolvedMesh): string {
  return mesh.identity?.database === "embedded" ? mesh.images.keycloakEmbedded : mesh.images.keycloak;
}

/**
 * Containers in start order: Consul server, PostgreSQL (Keycloak's database), Keycloak, Zipkin, then per instance its node
 * (Consul client agent, owner of the network namespace), app, sidecar and probe, then gateways
 * and Prometheus last.
 */
export function containers(mesh: ResolvedMesh, inputs: ContainerInputs): ContainerSpec[] {
  const list: ContainerSpec[] = mesh.consulServers.map((name) => consulServer(mesh, inputs, name));
  if (mesh.identity && inputs.realm) {
    if (mesh.identity.database === "postgres") list.push(postgres(mesh));
    list.push(keycloak(mesh, inputs.realm));
  }
  if (mesh.telemetry.samplePercent !== undefined) list.push(zipkin(mesh));
  for (const service of mesh.services) {
    for (const instance of service.instances) {
      list.push(node(mesh, service, instance), app(mesh, service, instance), sidecar(mesh, service, instance), probe(mesh, service, instance));
    }
  }
  for (const gateway of mesh.ingresses)
    list.push(
      ingress(
        mesh,
        gateway.name,
        gateway.listeners.map((l) => l.port),
      ),
    );
  if (inputs.prometheus) list.push(prometheus(mesh, inputs.prometheus));
  return list;
}

/**
 * One Consul server. The servers of a cluster start together (none depends on another): none
 * is healthy before a leader is elected, which takes `bootstrap_expect` of them.
 */
function consulServer(mesh: ResolvedMesh, inputs: ContainerInputs, name: string): ContainerSpec {
  return {
    name,
    role: "consul-server",
    image: mesh.images.consul,
    command: ["agent", "-config-file=/consul/config/server.json", `-node=${name}`],
    // The health check's token; the server is trusted with the management token anyway.
    env: { CONSUL_HTTP_TOKEN: secretRef(SECRET.consulManagement) },
    files: [
      { path: "/consul/config/server.json", content: json(inputs.serverConfig), mode: 0o600 },
      consulCaFile(),
      { path: SERVER_CERT_FILE, content: secretRef(SECRET.consulServerTls, "cert"), mode: 0o644 },
      { path: SERVER_KEY_FILE, content: secretRef(SECRET.consulServerTls, "key"), mode: 0o600 },
    ],
    ports: [
      { container: CONSUL_PORTS.http, protocol: "tcp", purpose: "Consul HTTP API and UI (ACL token required)" },
      { container: CONSUL_PORTS.https, protocol: "tcp", purpose: "Consul HTTPS API (ACL token required)" },
    ],
    volumes: [{ name: `${name}-data`, path: SERVER_DATA_DIR, purpose: `Raft state of ${name}: catalog, config entries, ACLs and the CA` }],
    // `consul` on every server: gateways and Prometheus reach whichever answers
    networkAliases: name === "consul" ? ["consul"] : [name, "consul"],
    security: PLATFORM_SECURITY,
    // passes once a leader is elected and the ACL system is bootstrapped with the management token
    healthCheck: health(CONSUL_TOKEN_CHECK),
    restartPolicy: "unless-stopped",
    dependsOn: [],
  };
}

/**
 * Keycloak's database: the realm, its clients, users and signing keys live here, so they
 * outlive Keycloak's container. The image's entrypoint makes the cluster on the first start,
 * with Keycloak's role and database; the superuser answers only on the local socket.
 */
function postgres(mesh: ResolvedMesh): ContainerSpec {
  return {
    name: "postgres",
    role: "postgres",
    image: mesh.images.postgres,
    command: [],
    env: { POSTGRES_USER: POSTGRES.user, POSTGRES_DB: POSTGRES.database, POSTGRES_PASSWORD: secretRef(SECRET.postgresPassword) },
    files: [],
    // Keycloak's alone: not worth publishing to the host.
    ports: [],
    volumes: [{ name: "postgres-data", path: "/var/lib/postgresql/data", purpose: "Keycloak's realms, clients, users and signing keys" }],
    networkAliases: ["postgres"],
    security: PLATFORM_SECURITY,
    // on the local socket, which only the real server listens on (the first start's set-up uses another)
    healthCheck: health(["CMD", "pg_isready", "--quiet"], 60 * SECOND),
    restartPolicy: "unless-stopped",
    dependsOn: [],
  };
}

function keycloak(mesh: ResolvedMesh, realm: NonNullable<ContainerInputs["realm"]>): ContainerSpec {
  const identity = mesh.identity;
  const url = new URL(identity?.url ?? "http://keycloak:8080");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const onPostgres = identity?.database === "postgres";
  return {
    name: "keycloak",
    role: "keycloak",
    image: keycloakImage(mesh),
    entrypoint: ["/opt/keycloak/bin/kc.sh"],
    command: ["start", "--optimized", "--import-realm"],
    env: {
      KC_HOSTNAME: identity?.url ?? "http://keycloak:8080",
      KC_HTTP_ENABLED: "true",
      KC_HTTP_PORT: String(port),
      KC_BOOTSTRAP_ADMIN_USERNAME: "admin",
      KC_BOOTSTRAP_ADMIN_PASSWORD: secretRef(SECRET.keycloakAdmin),
      // The database kind is built into the image; where it is and how to log in come at run time.
      ...(onPostgres
        ? {
            KC_DB_URL: `jdbc:postgresql://postgres:${POSTGRES.port}/${POSTGRES.database}`,
            KC_DB_USERNAME: POSTGRES.user,
            KC_DB_PASSWORD: secretRef(SECRET.postgresPassword),
          }
        : {}),
    },
    files: [{ path: `/opt/keycloak/data/import/${realm.fileName}`, content: json(realm.json), mode: 0o600 }],
    ports: [
      { container: port, protocol: "tcp", purpose: "Keycloak HTTP (tokens, JWKS, admin console)" },
      { container: 9000, protocol: "tcp", purpose: "Keycloak management (health, metrics)" },
    ],
    networkAliases: ["keycloak"],
    security: PLATFORM_SECURITY,
    healthCheck: health(httpProbe(9000, "/health/ready", "HTTP/1.[01] 200"), 190 * SECOND),
    restartPolicy: "unless-stopped",
    dependsOn: onPostgres ? ["postgres"] : [],
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
    security: PLATFORM_SECURITY,
    // 200 with {"status":"UP"} once the server and its (in-memory) storage are up, else 503
    healthCheck: health(httpProbe(ZIPKIN_PORT, "/health", "HTTP/1.[01] 200"), 125 * SECOND),
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
    // for the health check; CONSUL_HTTP_ADDR is the agent's loopback API
    env: { CONSUL_HTTP_TOKEN: secretRef(SECRET.nodeToken(instance.id)) },
    files: [{ path: "/consul/config/agent.json", content: json(clientAgentConfig(mesh, service, instance)), mode: 0o600 }, consulCaFile()],
    ports: [
      { container: SIDECAR_PORT, protocol: "tcp", purpose: "sidecar public listener (mTLS, mesh only)" },
      { container: ENVOY_METRICS_PORT, protocol: "tcp", purpose: "Envoy Prometheus metrics" },
      ...(service.healthCheck.kind === "http" ? [{ container: EXPOSE_HEALTH_PORT, protocol: "tcp" as const, purpose: "exposed health check path" }] : []),
      { container: EXPOSE_METRICS_PORT, protocol: "tcp", purpose: "exposed app /metrics" },
    ],
    networkAliases: [instance.id],
    security: PLATFORM_SECURITY,
    // passes once the agent has joined the server over TLS and its token is accepted
    healthCheck: health(CONSUL_TOKEN_CHECK),
    restartPolicy: "unless-stopped",
    dependsOn: ["consul"],
  };
}

function app(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ContainerSpec {
  const a = service.app;
  const common = {
    name: `${instance.id}-app`,
    role: "app" as const,
    service: service.name,
    instance: instance.id,
    env: appEnv(mesh, service, instance),
    ports: [],
    networkAliases: [],
    networkMode: { container: instance.id },
    // No health check here: the app's image may have no tools. Its probe checks it.
    // unless-stopped, like every long-running container of the mesh: an app that exits, even
    // with 0, is started again; only an operator's stop (or kill) keeps it down.
    restartPolicy: "unless-stopped" as const,
    dependsOn: [instance.id],
  };
  if (!a) return { ...common, image: mesh.images.workload, command: ["serve"], files: [], security: PLATFORM_SECURITY };
  return {
    ...common,
    image: a.build ? buildRepository(mesh, service) : a.image,
    ...(a.build ? { build: service.name } : {}),
    ...(a.command ? { entrypoint: [...a.command] } : {}),
    command: [...(a.args ?? [])],
    files: (a.files ?? []).map((f) => ({ path: f.path, content: f.content, mode: f.mode ?? 0o444 })),
    ...(a.user !== undefined ? { user: a.user } : {}),
    ...(a.resources
      ? {
          resources: {
            ...(a.resources.cpus !== undefined ? { nanoCpus: Math.round(a.resources.cpus * 1e9) } : {}),
            ...(a.resources.memoryMiB !== undefined ? { memoryBytes: a.resources.memoryMiB * 1024 * 1024 } : {}),
          },
        }
      : {}),
    security: APP_SECURITY,
  };
}

function sidecar(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ContainerSpec {
  return {
    name: `${instance.id}-sidecar`,
    role: "sidecar",
    service: service.name,
    instance: instance.id,
    image: mesh.images.sidecar,
    // after `--`: Envoy's own flags
    command: [
      "-sidecar-for",
      instance.id,
      "-admin-bind",
      `127.0.0.1:${ENVOY_ADMIN_PORT}`,
      "-ignore-envoy-compatibility",
      "--",
      "--concurrency",
      String(mesh.sidecars.workers),
    ],
    env: {
      CONSUL_HTTP_ADDR: `127.0.0.1:${AGENT_HTTP_PORT}`,
      CONSUL_GRPC_ADDR: `127.0.0.1:${AGENT_GRPC_PORT}`,
      // the instance's service token: its sidecar's identity towards the agent and xDS
      CONSUL_HTTP_TOKEN: secretRef(SECRET.serviceToken(instance.id)),
    },
    files: [],
    ports: [],
    networkAliases: [],
    networkMode: { container: instance.id },
    security: PLATFORM_SECURITY,
    healthCheck: health(httpProbe(ENVOY_ADMIN_PORT, "/ready", "LIVE")),
    // exits when the agent has not yet registered the service; a restart retries
    restartPolicy: "unless-stopped",
    dependsOn: [instance.id],
  };
}

/**
 * The harness's probe: meshwright's workload binary, idle, in the instance's network
 * namespace (like a debug container in a pod). Probes exec into it, so they work whatever the
 * app's image is. Its health check is the app's: an HTTP GET of the health path (any answer
 * counts: Consul's check judges health) or a TCP connect.
 */
function probe(mesh: ResolvedMesh, service: ResolvedService, instance: ResolvedInstance): ContainerSpec {
  const hc = service.healthCheck;
  const test =
    hc.kind === "http"
      ? ["CMD", "workload", "get", `http://127.0.0.1:${service.port}${hc.path}`, "--timeout-ms", "2000"]
      : ["CMD", "workload", "dial", `127.0.0.1:${service.port}`, "--timeout-ms", "2000"];
  return {
    name: `${instance.id}-probe`,
    role: "probe",
    service: service.name,
    instance: instance.id,
    image: mesh.images.workload,
    command: ["probe"],
    env: {},
    files: [],
    ports: [],
    networkAliases: [],
    networkMode: { container: instance.id },
    security: PLATFORM_SECURITY,
    healthCheck: health(test, 180 * SECOND),
    healthOf: `${instance.id}-app`,
    restartPolicy: "unless-stopped",
    dependsOn: [`${instance.id}-app`],
  };
}

function ingress(mesh: ResolvedMesh, name: string, listenerPorts: number[]): ContainerSpec {
  const ca = consulCaFile();
  return {
    name,
    role: "ingress",
    image: mesh.images.sidecar,
    command: [
      "-gateway=ingress",
      "-register",
      "-service",
      name,
      "-address",
      `{{ GetInterfaceIP "eth0" }}:${SIDECAR_PORT}`,
      "-admin-bind",
      `127.0.0.1:${ENVOY_ADMIN_PORT}`,
      "-ignore-envoy-compatibility",
    ],
    // The gateway has no local agent: it reaches the server over the network, so over TLS.
    env: {
      CONSUL_HTTP_ADDR: `https://consul:${CONSUL_PORTS.https}`,
      CONSUL_CACERT: ca.path,
      CONSUL_GRPC_ADDR: `https://consul:${CONSUL_PORTS.grpcTls}`,
      CONSUL_GRPC_CACERT: ca.path,
      CONSUL_HTTP_TOKEN: secretRef(SECRET.gatewayToken(name)),
    },
    files: [ca],
    ports: [
      ...listenerPorts.map((p) => ({ container: p, protocol: "tcp" as const, purpose: "ingress listener" })),
      { container: ENVOY_METRICS_PORT, protocol: "tcp", purpose: "Envoy Prometheus metrics" },
    ],
    networkAliases: [name],
    security: PLATFORM_SECURITY,
    healthCheck: health(httpProbe(ENVOY_ADMIN_PORT, "/ready", "LIVE")),
    restartPolicy: "unless-stopped",
    dependsOn: ["consul"],
  };
}

function prometheus(mesh: ResolvedMesh, config: Record<string, unknown>): ContainerSpec {
  return {
    name: "prometheus",
    role: "prometheus",
    image: mesh.images.prometheus,
    // No --web.enable-lifecycle: /-/reload and /-/quit stay off for anyone on the network.
    command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/tmp/prometheus"],
    env: {},
    // JSON is YAML, so the config object is written as JSON; secret, as it holds a token
    files: [
      { path: "/etc/prometheus/prometheus.yml", content: json(config), mode: 0o600 },
      { path: PROMETHEUS_CONSUL_CA_FILE, content: secretRef(SECRET.consulCa, "cert"), mode: 0o644 },
    ],
    ports: [{ container: 9090, protocol: "tcp", purpose: "Prometheus API and UI" }],
    networkAliases: ["prometheus"],
    security: PLATFORM_SECURITY,
    healthCheck: health(httpProbe(9090, "/-/ready", "HTTP/1.[01] 200")),
    restartPolicy: "unless-stopped",
    dependsOn: ["consul"],
  };
}
