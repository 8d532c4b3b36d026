/**
 * Small hand-written v2 plans for infra's unit tests: one service `api` with one instance
 * (node, app built from a Dockerfile, sidecar, probe), a Consul server with ACLs, gossip and
 * TLS, three config entries, a policy and two tokens, and a Keycloak with an admin and a user.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretRef, type ContainerSpec, type MeshPlan, type PlanSecret } from "../../../sdk/plan";

/** What every agent of a plan needs to not trust its containers (see the SDK's planWeaknesses). */
const SECURE_AGENT = {
  acl: { enabled: true, default_policy: "deny" },
  encrypt: secretRef("consul/gossip-key"),
  encrypt_verify_incoming: true,
  encrypt_verify_outgoing: true,
  tls: { defaults: { ca_file: "/consul/config/tls/ca.pem", verify_outgoing: true } },
};

const HEALTH = { intervalMs: 30_000, startIntervalMs: 500, timeoutMs: 5000, retries: 3, startPeriodMs: 60_000 };

/** A build context folder with a Dockerfile (and whatever else is given), in a fresh temp folder. */
export function appContext(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mw-app-"));
  for (const [path, content] of Object.entries({ Dockerfile: "FROM meshwright/base:bookworm\nCOPY . /app\n", ...files })) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export const SECRETS: PlanSecret[] = [
  { name: "consul/management-token", purpose: "Consul's management token", generate: { kind: "uuid" } },
  { name: "consul/gossip-key", purpose: "Consul's gossip encryption key", generate: { kind: "gossip-key" } },
  { name: "consul/ca", purpose: "Consul's RPC and HTTPS CA", generate: { kind: "tls-ca", commonName: "tiny Consul CA" } },
  {
    name: "consul/server-tls",
    purpose: "the Consul server's certificate",
    generate: { kind: "tls-cert", ca: "consul/ca", commonName: "server.dc1.consul", dnsNames: ["server.dc1.consul", "consul"], ipAddresses: ["127.0.0.1"] },
  },
  { name: "consul/token/node-api-1", purpose: "agent token of node api-1", generate: { kind: "uuid" } },
  { name: "consul/token/service-api-1", purpose: "registration and sidecar of api-1", generate: { kind: "uuid" } },
  { name: "keycloak/admin-password", purpose: "Keycloak's admin password", generate: { kind: "password" } },
  { name: "keycloak/user/alice", purpose: "test user alice's password", generate: { kind: "password" } },
];

function container(spec: Partial<ContainerSpec> & Pick<ContainerSpec, "name" | "role" | "image">): ContainerSpec {
  return { command: [], env: {}, files: [], ports: [], networkAliases: [], restartPolicy: "unless-stopped", dependsOn: [], ...spec };
}

/** The plan; `context` is the api build's context folder (see {@link appContext}). */
export function tinyPlan(context: string, overrides: Partial<MeshPlan> = {}): MeshPlan {
  const instance = "api-1";
  return {
    version: 2,
    mesh: { name: "tiny", datacenter: "dc1" },
    images: {
      consul: "meshwright/consul:1.16.3",
      sidecar: "meshwright/sidecar:1.16.3-envoy1.40.0",
      keycloak: "meshwright/keycloak:26.7.3",
      prometheus: "meshwright/prometheus:3.5.1",
      workload: "meshwright/workload:0.5.0",
    },
    network: { name: "tiny-net" },
    consul: {
      server: { container: "consul", httpPort: 8500, grpcPort: 8502 },
      servers: [{ container: "consul", httpPort: 8500, grpcPort: 8502 }],
      serverConfig: { server: true, ...SECURE_AGENT },
      url: "http://consul:8500",
      httpsUrl: "https://consul:8501",
      configEntries: [
        { Kind: "proxy-defaults", Name: "global", Config: { protocol: "http" } },
        { Kind: "service-defaults", Name: "api", Protocol: "http" },
        { Kind: "service-intentions", Name: "api", Sources: [{ Name: "*", Action: "deny" }] },
      ],
      acl: {
        managementToken: "consul/management-token",
        policies: [{ name: "api-read", description: "read api", rules: 'service "api" { policy = "read" }' }],
        tokens: [
          {
            accessorId: "0b7e9b0e-3e7c-4a52-8d5e-000000000001",
            secret: "consul/token/node-api-1",
            description: "agent token of node api-1",
            nodeIdentities: [{ nodeName: instance, datacenter: "dc1" }],
          },
          {
            accessorId: "0b7e9b0e-3e7c-4a52-8d5e-000000000002",
            secret: "consul/token/service-api-1",
            description: "registration and sidecar of api-1",
            serviceIdentities: [{ serviceName: "api" }],
            policies: ["api-read"],
          },
        ],
      },
    },
    services: [
      {
        name: "api",
        port: 8080,
        protocol: "http",
        instances: [
          {
            id: instance,
            node: instance,
            app: `${instance}-app`,
            sidecar: `${instance}-sidecar`,
            probe: `${instance}-probe`,
            weight: 1,
            tags: [],
            subset: "",
            version: "v1",
            meta: {},
            registration: {},
            ports: { app: 8080, envoyAdmin: 19000, sidecarPublic: 21000, agentHttp: 8500 },
          },
        ],
        upstreams: [],
        subsets: [],
        primaryInstances: [instance],
        chain: [{ service: "api", instances: [instance] }],
        app: {
          kind: "build",
          image: "tiny/api",
          build: "api",
          contract: { serviceName: "api", listenAddr: "127.0.0.1:8080", upstreams: [], traceHeaders: [] },
          healthCheck: { kind: "http", path: "/health" },
        },
      },
    ],
    ingresses: [],
    keycloak: {
      realm: {},
      realmName: "tiny",
      url: "http://keycloak:8080",
      port: 8080,
      issuer: "http://keycloak:8080/realms/tiny",
      tokenUrl: "http://keycloak:8080/realms/tiny/protocol/openid-connect/token",
      jwksUrl: "http://keycloak:8080/realms/tiny/protocol/openid-connect/certs",
      admin: { username: "admin", passwordSecret: "keycloak/admin-password" },
      clients: [],
      users: [{ username: "alice", passwordSecret: "keycloak/user/alice" }],
      claims: { scopePrefix: ["meshwright", "scopes"], rolePrefix: ["meshwright", "roles"] },
    },
    builds: [{ name: "api", context, dockerfile: "Dockerfile", args: { VERSION: "1" }, repository: "tiny/api" }],
    containers: [
      container({
        name: "consul",
        role: "consul-server",
        image: "meshwright/consul:1.16.3",
        command: ["agent", "-config-dir=/consul/config"],
        env: { CONSUL_HTTP_TOKEN: secretRef("consul/management-token") },
        files: [
          { path: "/consul/config/server.json", content: JSON.stringify({ server: true, encrypt: secretRef("consul/gossip-key") }) },
          { path: "/consul/config/tls/server.pem", content: secretRef("consul/server-tls", "cert") },
          { path: "/consul/config/tls/server.key", content: secretRef("consul/server-tls", "key"), mode: 0o600 },
          { path: "/consul/config/tls/ca.pem", content: secretRef("consul/ca", "cert") },
        ],
        networkAliases: ["consul"],
        healthCheck: { test: ["CMD", "consul", "catalog", "services"], ...HEALTH },
      }),
      container({
        name: "keycloak",
        role: "keycloak",
        image: "meshwright/keycloak:26.7.3",
        env: { KC_BOOTSTRAP_ADMIN_USERNAME: "admin", KC_BOOTSTRAP_ADMIN_PASSWORD: secretRef("keycloak/admin-password") },
        networkAliases: ["keycloak"],
      }),
      container({
        name: instance,
        role: "node",
        service: "api",
        instance,
        image: "meshwright/consul:1.16.3",
        files: [
          {
            path: "/consul/config/agent.json",
            content: JSON.stringify({ ...SECURE_AGENT, acl: { ...SECURE_AGENT.acl, tokens: { agent: secretRef("consul/token/node-api-1") } } }),
          },
        ],
        networkAliases: [instance],
        healthCheck: { test: ["CMD", "consul", "members"], ...HEALTH },
        dependsOn: ["consul"],
      }),
      container({
        name: `${instance}-app`,
        role: "app",
        service: "api",
        instance,
        image: "tiny/api",
        build: "api",
        env: { SERVICE_NAME: "api", LISTEN_ADDR: "127.0.0.1:8080" },
        networkMode: { container: instance },
        user: "1000:1000",
        resources: { nanoCpus: 500_000_000, memoryBytes: 128 * 1024 * 1024 },
        security: { capDrop: ["ALL"], noNewPrivileges: true },
        restartPolicy: "on-failure",
        dependsOn: [instance],
      }),
      container({
        name: `${instance}-sidecar`,
        role: "sidecar",
        service: "api",
        instance,
        image: "meshwright/sidecar:1.16.3-envoy1.40.0",
        env: { CONSUL_HTTP_TOKEN: secretRef("consul/token/service-api-1") },
        networkMode: { container: instance },
        restartPolicy: "on-failure",
        dependsOn: [instance],
      }),
      container({
        name: `${instance}-probe`,
        role: "probe",
        service: "api",
        instance,
        image: "meshwright/workload:0.5.0",
        command: ["probe"],
        networkMode: { container: instance },
        healthCheck: { test: ["CMD", "workload", "get", "http://127.0.0.1:8080/health"], ...HEALTH },
        healthOf: `${instance}-app`,
        dependsOn: [`${instance}-app`],
      }),
    ],
    secrets: SECRETS,
    warnings: [],
    ...overrides,
  };
}
