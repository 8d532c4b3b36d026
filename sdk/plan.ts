/**
 * The compiled mesh: plain, JSON-serializable, deterministic data that realizers (`infra/`,
 * `harness/`) translate 1:1 into Docker networks, containers and Consul API calls.
 *
 * Secrets: the plan holds no secret value. Every secret is declared in {@link MeshPlan.secrets}
 * and referenced from container env values and file contents as `{{secret:NAME}}` (or
 * `{{secret:NAME#cert}}` / `{{secret:NAME#key}}` for TLS material; see {@link secretRef}).
 * Realizers create the values (random, once per stack or per run, or supplied by the user),
 * substitute them, and treat every env value and file that held a reference as secret.
 */
export interface MeshPlan {
  readonly version: 2;
  readonly mesh: { readonly name: string; readonly datacenter: string };
  readonly images: PlanImages;
  readonly network: { readonly name: string };
  readonly consul: ConsulPlan;
  readonly services: readonly PlannedService[];
  readonly ingresses: readonly PlannedIngress[];
  readonly keycloak?: KeycloakPlan;
  readonly prometheus?: { readonly config: PrometheusConfig; readonly url: string };
  readonly zipkin?: { readonly url: string; readonly sampleRate: number };
  /** App images the realizer builds from a Dockerfile before it starts containers. */
  readonly builds: readonly PlannedBuild[];
  readonly containers: readonly ContainerSpec[];
  /** Every secret the plan references; realizers create (or are given) the values. */
  readonly secrets: readonly PlanSecret[];
  /** Valid but probably unintended: realizers print these (e.g. an upstream no rule allows). */
  readonly warnings: readonly PlanWarning[];
}

/** Something the mesh allows but its author probably did not mean. */
export interface PlanWarning {
  /** Where in the mesh, as in validation issues. */
  readonly path: string;
  readonly message: string;
  readonly hint: string;
}

/** Full image references of the platform containers. */
export interface PlanImages {
  readonly consul: string;
  readonly sidecar: string;
  /** The image Keycloak runs: built for PostgreSQL or for the embedded database, as the mesh chose. */
  readonly keycloak: string;
  /** Keycloak's database, when the mesh has identity with `database: "postgres"`. */
  readonly postgres?: string;
  readonly prometheus: string;
  /** The default app, and the image of every instance's probe container. */
  readonly workload: string;
  readonly zipkin?: string;
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** How a realizer makes a secret's value when none is supplied. */
export type SecretGenerator =
  /** 32 lowercase hex characters (128 random bits): passwords, client secrets. */
  | { readonly kind: "password" }
  /** A random (v4) UUID: Consul ACL token secret ids. */
  | { readonly kind: "uuid" }
  /** 32 random bytes, base64: Consul's gossip encryption key (what `consul keygen` prints). */
  | { readonly kind: "gossip-key" }
  /** A self-signed CA. Parts: `cert` (PEM, public) and `key` (PEM, PKCS#8). */
  | { readonly kind: "tls-ca"; readonly commonName: string }
  /**
   * A certificate signed by the `tls-ca` secret `ca`, for both server and client auth.
   * Parts: `cert` and `key`.
   */
  | {
      readonly kind: "tls-cert";
      readonly ca: string;
      readonly commonName: string;
      readonly dnsNames: readonly string[];
      readonly ipAddresses: readonly string[];
    }
  /** No generator: the realizer must be given the value (a user's own secret). */
  | { readonly kind: "supplied" };

/** A secret the plan references. */
export interface PlanSecret {
  /** Unique name, e.g. `consul/management-token`, `keycloak/client/payment-service`. */
  readonly name: string;
  /** What it is for, for people reading a plan or a missing-secret error. */
  readonly purpose: string;
  readonly generate: SecretGenerator;
}

/** Parts of a TLS secret's value. */
export type SecretPart = "cert" | "key";

/** Characters a secret name may use. */
export const SECRET_NAME = /^[a-z0-9][a-z0-9._/-]*$/;

/** Matches every `{{secret:NAME}}` / `{{secret:NAME#part}}` reference in a string. */
export const SECRET_REF_PATTERN = /\{\{secret:([a-z0-9][a-z0-9._/-]*)(?:#(cert|key))?\}\}/g;

/** The reference to a secret (or a part of a TLS secret) to put into an env value or a file. */
export function secretRef(name: string, part?: SecretPart): string {
  return `{{secret:${name}${part ? `#${part}` : ""}}}`;
}

/** Every secret value key (`NAME` or `NAME#part`) a string references, in order of appearance. */
export function secretRefsIn(text: string): string[] {
  return [...text.matchAll(SECRET_REF_PATTERN)].map((m) => (m[2] ? `${m[1]}#${m[2]}` : m[1]!));
}

/**
 * `text` with every secret reference replaced by its value from `values` (keyed `NAME` or
 * `NAME#part`). Throws naming the first reference without a value.
 */
export function resolveSecretRefs(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(SECRET_REF_PATTERN, (_, name: string, part: string | undefined) => {
    const key = part ? `${name}#${part}` : name;
    const value = values[key];
    if (value === undefined) throw new Error(`no value for secret ${key}`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// Consul

/** The Consul server and what to write into it. */
export interface ConsulPlan {
  /** The first server, `consul`. */
  readonly server: ContainerRef;
  /** Every server of the Raft cluster, the first being {@link server}; one by default. */
  readonly servers: readonly ContainerRef[];
  /** Consul agent config of every server (JSON, snake_case as in the agent config file; the node name comes from `-node`). */
  readonly serverConfig: ConsulAgentConfig;
  /** HTTP API URL inside the network (ACL-protected; in-mesh clients use {@link httpsUrl}). */
  readonly url: string;
  /** HTTPS API URL inside the network, verified against the plan's Consul CA. */
  readonly httpsUrl: string;
  /**
   * Config entries in apply order. The server config also carries them as
   * `config_entries.bootstrap` (written at first leadership); realizers that reconcile
   * (`pulumi up`) write them through `PUT /v1/config` with the management token.
   */
  readonly configEntries: readonly ConfigEntry[];
  /** ACL policies and tokens to create once the server is up, before any agent joins. */
  readonly acl: ConsulAclPlan;
}

/** Names a container of the plan. */
export interface ContainerRef {
  readonly container: string;
  /** Ports worth publishing to the host, by purpose. */
  readonly httpPort: number;
  readonly grpcPort: number;
}

/** ACL state the mesh needs: default deny, every token limited to what its holder does. */
export interface ConsulAclPlan {
  /** Secret name of the management token (`acl.tokens.initial_management`). */
  readonly managementToken: string;
  readonly policies: readonly ConsulAclPolicy[];
  readonly tokens: readonly ConsulAclToken[];
}

/** An ACL policy (`PUT /v1/acl/policy`); realizers find an existing one by its name. */
export interface ConsulAclPolicy {
  readonly name: string;
  readonly description: string;
  /** Rules in HCL. */
  readonly rules: string;
}

/** An ACL token (`PUT /v1/acl/token`) whose secret id is a plan secret. */
export interface ConsulAclToken {
  /** Deterministic UUID (not secret), so a write is an idempotent update. */
  readonly accessorId: string;
  /** Secret name holding the token's SecretID (a UUID). */
  readonly secret: string;
  readonly description: string;
  readonly serviceIdentities?: readonly { readonly serviceName: string }[];
  readonly nodeIdentities?: readonly { readonly nodeName: string; readonly datacenter: string }[];
  /** Policy names. */
  readonly policies?: readonly string[];
}

/** A Consul agent configuration file (server or client), as JSON. */
export type ConsulAgentConfig = Readonly<Record<string, unknown>>;

/** A Consul config entry in Consul's JSON casing (`Kind`, `Name`, ...). */
export interface ConfigEntry {
  readonly Kind:
    | "proxy-defaults"
    | "mesh"
    | "service-defaults"
    | "service-resolver"
    | "service-splitter"
    | "service-router"
    | "service-intentions"
    | "jwt-provider"
    | "ingress-gateway";
  readonly Name: string;
  readonly [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Services and apps

/** A service with its instances resolved. */
export interface PlannedService {
  readonly name: string;
  readonly port: number;
  readonly protocol: "http" | "grpc" | "tcp";
  readonly instances: readonly PlannedInstance[];
  readonly upstreams: readonly { readonly service: string; readonly localPort: number }[];
  /** Distinct subset names of the instances, sorted. */
  readonly subsets: readonly string[];
  /**
   * Ids of the instances that take traffic while any of them is healthy: those of the
   * default subset, or every instance outside the failover subset (all, without subsets).
   */
  readonly primaryInstances: readonly string[];
  /**
   * What a caller's sidecar gets for this service: every target of its discovery chain (the
   * router's destinations, the splitter's subsets, the default subset, failover targets),
   * each a cluster in the caller's Envoy named `[<subset>.]<service>.default.<dc>.internal…`.
   */
  readonly chain: readonly PlannedTarget[];
  /** Keycloak client id of the service, when the mesh has identity. */
  readonly clientId?: string;
  /** What the app is and what it is promised; see {@link AppContract}. */
  readonly app: PlannedApp;
}

/** One target of a service's discovery chain. */
export interface PlannedTarget {
  readonly service: string;
  /** The subset; none for a service without a default subset. */
  readonly subset?: string;
  /**
   * For a failover target (reached only when the targets before it fail): the primary target
   * whose chain it is in and its place there, 1 for the first failover target. Its Envoy
   * cluster is `failover-target~<index>~<primary's cluster name>`, not named for itself.
   */
  readonly failoverOf?: { readonly service: string; readonly subset?: string; readonly index: number };
  /** Ids of the instances the target selects. */
  readonly instances: readonly string[];
}

/** The app of a service. */
export interface PlannedApp {
  /** `workload` when the service declares no app (meshwright's test service). */
  readonly kind: "workload" | "image" | "build";
  /** Image reference; for `build`, the repository the realizer tags the built image in. */
  readonly image: string;
  /** Name of the {@link PlannedBuild} that makes the image, for `build`. */
  readonly build?: string;
  /** What every instance's app container is given (env names in {@link AppContract}). */
  readonly contract: AppContract;
  /** Health check the probe container runs against the app (the app image needs no tools). */
  readonly healthCheck: { readonly kind: "http"; readonly path: string } | { readonly kind: "tcp" };
}

/**
 * What every app container is given, whatever its image. Each field is also an environment
 * variable (named in the field's TSDoc); sdk/README.md has the table apps are written against.
 */
export interface AppContract {
  /** `SERVICE_NAME`: the service's name (its Consul name and Keycloak client id). */
  readonly serviceName: string;
  /** `LISTEN_ADDR`: where the app must listen, `127.0.0.1:<port>` (only its sidecar reaches it). Also `PORT`. */
  readonly listenAddr: string;
  /** `UPSTREAM_<NAME>_URL` for each upstream (`NAME` upper-cased, `-` as `_`), and `UPSTREAMS` as `name=host:port,...`. */
  readonly upstreams: readonly { readonly service: string; readonly env: string; readonly url: string }[];
  /** OAuth client of the service, when the mesh has identity. */
  readonly oauth?: {
    /** `OAUTH_CLIENT_ID`. */
    readonly clientId: string;
    /** `OAUTH_CLIENT_SECRET`: a reference to the secret. */
    readonly clientSecret: string;
    /** `OAUTH_TOKEN_URL`: the realm's token endpoint (client credentials grant). */
    readonly tokenUrl: string;
    /** `OAUTH_ISSUER`: the issuer every token the mesh accepts carries. */
    readonly issuer: string;
  };
  /** `TRACE_HEADERS`: request headers to copy from each inbound request onto the calls it causes. */
  readonly traceHeaders: readonly string[];
}

/** A Dockerfile build of an app image. */
export interface PlannedBuild {
  /** Unique name (the service's name). */
  readonly name: string;
  /** Build context folder: absolute, or relative to the realizer's working directory. */
  readonly context: string;
  /** Dockerfile path relative to the context. @default "Dockerfile" */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  /** Repository the built image is tagged in; the tag is a hash of the context's content. */
  readonly repository: string;
}

/** One instance: node (agent), app, sidecar and probe containers in one network namespace. */
export interface PlannedInstance {
  /** Consul service id, e.g. `payment-service-1`. */
  readonly id: string;
  /** Name of the node container that owns the network namespace (= id). */
  readonly node: string;
  readonly app: string;
  readonly sidecar: string;
  /** The harness's probe container (`workload` image, idle until exec'd into). */
  readonly probe: string;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly subset: string;
  readonly version: string;
  readonly meta: Readonly<Record<string, string>>;
  /** The service registration in the node's agent config (snake_case). */
  readonly registration: Readonly<Record<string, unknown>>;
  /** Loopback ports inside the instance, for probes. */
  readonly ports: InstancePorts;
}

/** Loopback ports of an instance's network namespace that probes use. */
export interface InstancePorts {
  /** The app. */
  readonly app: number;
  /** Envoy's admin API (loopback only). */
  readonly envoyAdmin: number;
  /** The sidecar's public mTLS listener (on the mesh network). */
  readonly sidecarPublic: number;
  /** The local Consul agent's HTTP API. */
  readonly agentHttp: number;
  /** The workload's admin API (loopback only; workload apps only). */
  readonly workloadAdmin?: number;
}

/** An ingress gateway. */
export interface PlannedIngress {
  readonly name: string;
  readonly container: string;
  readonly listeners: readonly { readonly port: number; readonly protocol: "http" | "tcp"; readonly hosts: readonly string[] }[];
  /** Envoy admin port (loopback inside the gateway container). */
  readonly adminPort: number;
}

// ---------------------------------------------------------------------------------------------
// Keycloak, Prometheus

/** Keycloak realm and where its credentials are. */
export interface KeycloakPlan {
  /** Realm representation for `--import-realm` (Keycloak 26); secrets as references. */
  readonly realm: Readonly<Record<string, unknown>>;
  readonly realmName: string;
  /** `KC_HOSTNAME`, e.g. `http://keycloak:8080`. */
  readonly url: string;
  /** HTTP port inside the container. */
  readonly port: number;
  /** Token issuer, `<url>/realms/<realm>`. */
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  /** The bootstrap admin of the master realm; `passwordSecret` names the secret. */
  readonly admin: { readonly username: string; readonly passwordSecret: string };
  readonly clients: readonly PlannedClient[];
  readonly users: readonly { readonly username: string; readonly passwordSecret: string }[];
  /** Claim paths that prove a scope or role (see the realm's protocol mappers). */
  readonly claims: ClaimConventions;
}

/** A Keycloak client of the realm. */
export interface PlannedClient {
  readonly clientId: string;
  /** Secret name of the client secret (confidential clients). */
  readonly secret?: string;
  /** The service whose client this is. */
  readonly service?: string;
  readonly public?: boolean;
  /** Grants the client may use. */
  readonly grants: readonly ("client_credentials" | "password" | "authorization_code")[];
  /** A web app's client: where Keycloak may send users back, and the origins it answers (CORS). */
  readonly web?: { readonly service: string; readonly redirectUris: readonly string[]; readonly origins: readonly string[] };
}

/** Where the realm puts proof of a granted scope or role in tokens. */
export interface ClaimConventions {
  /** Claim path prefix of scopes: `[...scopePrefix, scope]` holds `"true"`. */
  readonly scopePrefix: readonly string[];
  /** Claim path prefix of roles: `[...rolePrefix, role]` holds `"true"`. */
  readonly rolePrefix: readonly string[];
}

/** prometheus.yml as an object. */
export type PrometheusConfig = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// Containers

/** The role a container plays. */
export type ContainerRole = "consul-server" | "node" | "app" | "sidecar" | "probe" | "ingress" | "keycloak" | "postgres" | "prometheus" | "zipkin";

/** A container to start. Containers are listed in start order (dependencies first). */
export interface ContainerSpec {
  /** Unique Docker container name, DNS-safe. */
  readonly name: string;
  readonly role: ContainerRole;
  readonly service?: string;
  readonly instance?: string;
  /** Image reference; with `build`, the repository the built image is tagged in. */
  readonly image: string;
  /** The {@link PlannedBuild} whose image this container runs. */
  readonly build?: string;
  /** Overrides the image's ENTRYPOINT when set. */
  readonly entrypoint?: string[];
  /** Arguments after the ENTRYPOINT (Docker CMD); empty keeps the image's CMD. */
  readonly command: string[];
  /** Values may hold secret references; such values are secret. */
  readonly env: Record<string, string>;
  /**
   * Written into the container before it starts. Contents may hold secret references; such
   * files are secret. Mode defaults to 0644.
   */
  readonly files: { readonly path: string; readonly content: string; readonly mode?: number }[];
  /** Ports the host may want to publish. */
  readonly ports: { readonly container: number; readonly protocol: "tcp" | "udp"; readonly purpose: string }[];
  /** Network aliases on the mesh network; empty when `networkMode` is set. */
  readonly networkAliases: string[];
  /** Share another container's network namespace (`--network container:<name>`). */
  readonly networkMode?: { readonly container: string };
  /**
   * Named volumes mounted into the container: data that must outlive the container (a Consul
   * server's Raft state, Keycloak's database). `name` is unique in the mesh; realizers prefix
   * it (the run, the stack) so two meshes never share a volume.
   */
  readonly volumes?: readonly { readonly name: string; readonly path: string; readonly purpose: string }[];
  /** User (and group) the process runs as, `uid[:gid]` or a name; unset keeps the image's. */
  readonly user?: string;
  /** CPU and memory limits. */
  readonly resources?: { readonly nanoCpus?: number; readonly memoryBytes?: number };
  /** Linux hardening: capabilities dropped and `no-new-privileges`. */
  readonly security?: { readonly capDrop: readonly string[]; readonly noNewPrivileges: boolean };
  /**
   * Readiness and liveness in one check (Docker's `HEALTHCHECK`). While the container starts
   * (up to `startPeriodMs`) it is checked every `startIntervalMs`, so whoever waits on it
   * learns quickly; once it has passed, every `intervalMs`, since each check is an exec into
   * the container that costs the host CPU beside the mesh's traffic.
   */
  readonly healthCheck?: {
    readonly test: string[];
    /** Between checks once the container has passed one (steady state). */
    readonly intervalMs: number;
    /** Between checks while the container starts (Docker's `start_interval`). */
    readonly startIntervalMs: number;
    readonly timeoutMs: number;
    /** Consecutive failures, after the start period, that make the container unhealthy. */
    readonly retries: number;
    /** How long the container may take to pass its first check; failures meanwhile do not count. */
    readonly startPeriodMs: number;
  };
  /**
   * Whose health the health check reports, when it is another container's (a probe checks
   * its app, whose image may have no tools); failures name that container and its logs.
   */
  readonly healthOf?: string;
  readonly restartPolicy: "no" | "on-failure" | "always" | "unless-stopped";
  /** Containers that must be started (and healthy, when they have a health check) first. */
  readonly dependsOn: string[];
}
