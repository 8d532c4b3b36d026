import type { AccessSpec, IngressSpec, MeshSpec, ServiceSpec } from "../model/spec";
import type { LoadBalancing } from "../model/load-balancing";
import type { Resilience } from "../model/resilience";
import type { HealthCheck, InstanceProps, Protocol, UpstreamResilience } from "../model/service";
import type { ImageSet } from "../model/images";
import { DEFAULT_IMAGES } from "../model/images";
import type { RoleProps, ScopeProps } from "../model/identity";
import { RESERVED_INSTANCE_PORTS } from "../validate/rules/ports";
import { KEYCLOAK_DEFAULT_URL } from "../validate/rules/identity";
import { deriveSecret } from "./secrets";

/** A validated mesh with every default filled in; what the compilers read. */
export interface ResolvedMesh {
  readonly name: string;
  readonly datacenter: string;
  readonly images: ImageSet;
  readonly network: string;
  readonly services: readonly ResolvedService[];
  readonly byName: ReadonlyMap<string, ResolvedService>;
  readonly ingresses: readonly ResolvedIngress[];
  readonly identity?: ResolvedIdentity;
  readonly telemetry: { metrics: boolean; accessLogs: boolean; samplePercent?: number; scrapeInterval: string };
}

export interface ResolvedService {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly version: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly healthCheck: Required<HealthCheck> | { kind: "tcp"; interval: string; timeout: string };
  readonly instances: readonly ResolvedInstance[];
  readonly subsets: readonly string[];
  readonly upstreams: readonly { service: string; localPort: number; resilience?: UpstreamResilience }[];
  /** The service's resolver policy: its own, or the one its callers agree on. */
  readonly loadBalancing?: LoadBalancing;
  readonly resilience?: Resilience;
  readonly failover?: { subset?: string; service?: string };
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly access: readonly AccessSpec[];
}

export interface ResolvedInstance {
  readonly id: string;
  readonly index: number;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly subset: string;
  readonly version: string;
  readonly meta: Readonly<Record<string, string>>;
}

export interface ResolvedIngress {
  readonly name: string;
  readonly listeners: readonly {
    port: number;
    protocol: "http" | "tcp";
    routes: readonly { host?: string; pathPrefix: string; service: string }[];
  }[];
}

export interface ResolvedIdentity {
  readonly realm: string;
  readonly url: string;
  readonly issuer: string;
  readonly scopes: readonly Required<ScopeProps>[];
  readonly roles: readonly Required<RoleProps>[];
  readonly users: readonly { username: string; password: string; passwordDerived: boolean; roles: readonly string[]; scopes: readonly string[] }[];
  readonly accessTokenLifespanSeconds: number;
  readonly adminPassword: string;
  readonly secretSalt: string;
}

/** First port tried for an upstream without a `localPort`. */
export const FIRST_UPSTREAM_PORT = 9001;

/** Fill in defaults. The spec must have passed `validate()`. */
export function resolve(spec: MeshSpec): ResolvedMesh {
  const salt = spec.secretSalt ?? "";
  const lbFromCallers = new Map<string, LoadBalancing>();
  for (const s of spec.services) for (const u of s.upstreams ?? []) if (u.loadBalancing && !lbFromCallers.has(u.service)) lbFromCallers.set(u.service, u.loadBalancing);
  const services = spec.services.map((s) => resolveService(s, lbFromCallers.get(s.name)));
  const tracing = spec.telemetry?.tracing;
  return {
    name: spec.name,
    datacenter: spec.datacenter ?? "dc1",
    images: { ...DEFAULT_IMAGES, ...spec.images },
    network: `${spec.name}-net`,
    services,
    byName: new Map(services.map((s) => [s.name, s])),
    ingresses: (spec.ingresses ?? []).map(resolveIngress),
    ...(spec.identity ? { identity: resolveIdentity(spec, salt) } : {}),
    telemetry: {
      metrics: spec.telemetry?.metrics ?? true,
      accessLogs: spec.telemetry?.accessLogs ?? true,
      ...(tracing ? { samplePercent: Math.round(tracing.sampleRate * 10000) / 100 } : {}),
      scrapeInterval: spec.telemetry?.scrapeInterval ?? "5s",
    },
  };
}

function resolveService(s: ServiceSpec, lbFromCallers: LoadBalancing | undefined): ResolvedService {
  const protocol = s.protocol ?? "http";
  const port = s.port ?? 8080;
  const version = s.version ?? "v1";
  const rawInstances = typeof s.instances === "number" || s.instances === undefined
    ? Array.from({ length: s.instances ?? 1 }, (): InstanceProps => ({}))
    : s.instances;
  const instances = rawInstances.map((i, n): ResolvedInstance => ({
    id: `${s.name}-${n + 1}`,
    index: n + 1,
    weight: i.weight ?? 1,
    tags: [...(s.tags ?? []), ...(i.tags ?? [])],
    subset: i.subset ?? "primary",
    version: i.version ?? version,
    meta: { ...s.meta, ...i.meta, subset: i.subset ?? "primary", version: i.version ?? version },
  }));
  const hc = s.healthCheck ?? (protocol === "http" ? { kind: "http" as const } : { kind: "tcp" as const });
  const healthCheck = hc.kind === "http"
    ? { kind: "http" as const, path: hc.path ?? "/health", interval: hc.interval ?? "5s", timeout: hc.timeout ?? "2s" }
    : { kind: "tcp" as const, interval: hc.interval ?? "5s", timeout: hc.timeout ?? "2s" };
  const taken = new Set<number>([port, ...RESERVED_INSTANCE_PORTS.keys(), ...(s.upstreams ?? []).flatMap((u) => (u.localPort ? [u.localPort] : []))]);
  let next = FIRST_UPSTREAM_PORT;
  const upstreams = (s.upstreams ?? []).map((u) => {
    let localPort = u.localPort;
    if (localPort === undefined) {
      while (taken.has(next)) next++;
      localPort = next;
      taken.add(next);
    }
    return { service: u.service, localPort, ...(u.resilience ? { resilience: u.resilience } : {}) };
  });
  const loadBalancing = s.loadBalancing ?? lbFromCallers;
  return {
    name: s.name,
    port,
    protocol,
    version,
    meta: s.meta ?? {},
    tags: s.tags ?? [],
    healthCheck,
    instances,
    subsets: [...new Set(instances.map((i) => i.subset))].sort(),
    upstreams,
    ...(loadBalancing ? { loadBalancing } : {}),
    ...(s.resilience ? { resilience: s.resilience } : {}),
    ...(s.failover ? { failover: s.failover } : {}),
    scopes: s.identity?.scopes ?? [],
    roles: s.identity?.roles ?? [],
    access: s.access ?? [],
  };
}

function resolveIngress(g: IngressSpec): ResolvedIngress {
  return {
    name: g.name,
    listeners: g.listeners.map((l) => ({
      port: l.port,
      protocol: l.protocol ?? "http",
      routes: l.routes.map((r) => ({ ...(r.host !== undefined ? { host: r.host } : {}), pathPrefix: r.pathPrefix ?? "/", service: r.service })),
    })),
  };
}

function resolveIdentity(spec: MeshSpec, salt: string): ResolvedIdentity {
  const identity = spec.identity ?? {};
  const realm = identity.realm ?? spec.name;
  const url = (identity.url ?? KEYCLOAK_DEFAULT_URL).replace(/\/$/, "");
  return {
    realm,
    url,
    issuer: `${url}/realms/${realm}`,
    scopes: (identity.scopes ?? []).map((s) => (typeof s === "string" ? { name: s, description: "" } : { name: s.name, description: s.description ?? "" })),
    roles: (identity.roles ?? []).map((r) => (typeof r === "string" ? { name: r, description: "" } : { name: r.name, description: r.description ?? "" })),
    users: (identity.users ?? []).map((u) => ({
      username: u.username,
      password: u.password ?? deriveSecret(spec.name, salt, `user:${u.username}`),
      passwordDerived: u.password === undefined,
      roles: u.roles ?? [],
      scopes: u.scopes ?? [],
    })),
    accessTokenLifespanSeconds: identity.accessTokenLifespanSeconds ?? 300,
    adminPassword: deriveSecret(spec.name, salt, "keycloak-admin"),
    secretSalt: salt,
  };
}
