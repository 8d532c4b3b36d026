/**
 * The compiled mesh: plain, JSON-serializable, deterministic data that realizers (`infra/`,
 * `harness/`) translate 1:1 into Docker networks, containers and Consul API calls.
 *
 * Secrets: `secrets` lists JSON Pointers (RFC 6901) into the plan of every value that is
 * secret (client secrets, passwords, files that embed them). Realizers must treat those
 * values as secrets (e.g. `pulumi.secret`). The values are derived deterministically from the
 * mesh name, `secretSalt` and the id, so golden tests are stable.
 */
export interface MeshPlan {
  readonly version: 1;
  readonly mesh: { readonly name: string; readonly datacenter: string };
  readonly images: PlanImages;
  readonly network: { readonly name: string };
  readonly consul: ConsulPlan;
  readonly services: readonly PlannedService[];
  readonly ingresses: readonly PlannedIngress[];
  readonly keycloak?: KeycloakPlan;
  readonly prometheus?: { readonly config: PrometheusConfig; readonly url: string };
  readonly zipkin?: { readonly url: string; readonly sampleRate: number };
  readonly containers: readonly ContainerSpec[];
  /** JSON Pointers of secret values in this plan. */
  readonly secrets: readonly string[];
}

/** Full image references. */
export interface PlanImages {
  readonly consul: string;
  readonly sidecar: string;
  readonly keycloak: string;
  readonly prometheus: string;
  readonly workload: string;
  readonly zipkin?: string;
}

/** The Consul server and what to write into it. */
export interface ConsulPlan {
  readonly server: ContainerRef;
  /** Consul agent config of the server (JSON, snake_case as in the agent config file). */
  readonly serverConfig: ConsulAgentConfig;
  /** HTTP API URL inside the network. */
  readonly url: string;
  /**
   * Config entries in apply order. The server config already carries them as
   * `config_entries.bootstrap`; this list is for inspection and `PUT /v1/config`.
   */
  readonly configEntries: readonly ConfigEntry[];
}

/** Names a container of the plan. */
export interface ContainerRef {
  readonly container: string;
  /** Ports worth publishing to the host, by purpose. */
  readonly httpPort: number;
  readonly grpcPort: number;
}

/** A Consul agent configuration file (server or client), as JSON. */
export type ConsulAgentConfig = Readonly<Record<string, unknown>>;

/** A Consul config entry in Consul's JSON casing (`Kind`, `Name`, ...). */
export interface ConfigEntry {
  readonly Kind:
    | "proxy-defaults"
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

/** A service with its instances resolved. */
export interface PlannedService {
  readonly name: string;
  readonly port: number;
  readonly protocol: "http" | "grpc" | "tcp";
  readonly instances: readonly PlannedInstance[];
  readonly upstreams: readonly { readonly service: string; readonly localPort: number }[];
  /** Distinct subset names of the instances, sorted. */
  readonly subsets: readonly string[];
  /** Keycloak client id of the service, when the mesh has identity. */
  readonly clientId?: string;
}

/** One instance: a node (agent) container, an app container and a sidecar container. */
export interface PlannedInstance {
  /** Consul service id, e.g. `payment-service-1`. */
  readonly id: string;
  /** Name of the node container that owns the network namespace (= id). */
  readonly node: string;
  readonly app: string;
  readonly sidecar: string;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly subset: string;
  readonly version: string;
  readonly meta: Readonly<Record<string, string>>;
  /** The service registration in the node's agent config (snake_case). */
  readonly registration: Readonly<Record<string, unknown>>;
}

/** An ingress gateway. */
export interface PlannedIngress {
  readonly name: string;
  readonly container: string;
  readonly listeners: readonly { readonly port: number; readonly protocol: "http" | "tcp"; readonly hosts: readonly string[] }[];
}

/** Keycloak realm and credentials. */
export interface KeycloakPlan {
  /** Realm representation for `--import-realm` (Keycloak 26). */
  readonly realm: Readonly<Record<string, unknown>>;
  readonly realmName: string;
  /** `KC_HOSTNAME`, e.g. `http://keycloak:8080`. */
  readonly url: string;
  /** Token issuer, `<url>/realms/<realm>`. */
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly clients: readonly { readonly clientId: string; readonly secret?: string; readonly service?: string; readonly public?: boolean }[];
  readonly users: readonly { readonly username: string; readonly password: string }[];
  /** Claim paths that prove a scope or role (see the realm's protocol mappers). */
  readonly claims: ClaimConventions;
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

/** The role a container plays. */
export type ContainerRole = "consul-server" | "node" | "app" | "sidecar" | "ingress" | "keycloak" | "prometheus" | "zipkin";

/** A container to start. Containers are listed in start order (dependencies first). */
export interface ContainerSpec {
  /** Unique Docker container name, DNS-safe. */
  readonly name: string;
  readonly role: ContainerRole;
  readonly service?: string;
  readonly instance?: string;
  readonly image: string;
  /** Overrides the image's ENTRYPOINT when set. */
  readonly entrypoint?: string[];
  /** Arguments after the ENTRYPOINT (Docker CMD). */
  readonly command: string[];
  readonly env: Record<string, string>;
  /** Written into the container before it starts. */
  readonly files: { readonly path: string; readonly content: string; readonly mode?: number }[];
  /** Ports the host may want to publish. */
  readonly ports: { readonly container: number; readonly protocol: "tcp" | "udp"; readonly purpose: string }[];
  /** Network aliases on the mesh network; empty when `networkMode` is set. */
  readonly networkAliases: string[];
  /** Share another container's network namespace (`--network container:<name>`). */
  readonly networkMode?: { readonly container: string };
  readonly healthCheck?: {
    readonly test: string[];
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly retries: number;
    readonly startPeriodMs: number;
  };
  readonly restartPolicy: "no" | "on-failure" | "always" | "unless-stopped";
  /** Containers that must be started (and healthy, when they have a health check) first. */
  readonly dependsOn: string[];
}
