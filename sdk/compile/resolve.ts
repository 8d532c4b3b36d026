import type { AccessSpec, IngressRouteSpec, IngressSpec, MeshSpec, ServiceRouteSpec, ServiceSpec } from "../model/spec";
import type { LoadBalancing } from "../model/load-balancing";
import type { Resilience } from "../model/resilience";
import type { HealthCheck, InstanceProps, Protocol, UpstreamResilience } from "../model/service";
import type { ImageSet } from "../model/images";
import { DEFAULT_IMAGES } from "../model/images";
import { consulServerNames } from "../model/consul";
import type { RoleProps, ScopeProps } from "../model/identity";
import type { AppProps } from "../model/app";
import type { SubsetSplit } from "../model/load-balancing";
import { RESERVED_INSTANCE_PORTS } from "../validate/rules/ports";
import { KEYCLOAK_DEFAULT_URL } from "../validate/rules/identity";
import { webAppRoutes, webAppUris } from "../model/web-apps";
import { withDefaultPrefix } from "./consul/http-match";

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
  readonly sidecars: { readonly workers: number };
  /** Consul servers' container and node names, the first being `consul`. */
  readonly consulServers: readonly string[];
}

export interface ResolvedService {
  readonly name: string;
  /** The user's app; undefined runs the workload. */
  readonly app?: AppProps;
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
  /** Subset shares (a splitter), from `splits` or the `weighted` policy's `splits`. */
  readonly splits?: readonly SubsetSplit[];
  /**
   * The resolver's default subset: the declared one, the synthetic `not-<backups>` (every
   * instance outside the failover subsets) or `all` (no filter, for `onlyPassing`).
   */
  readonly defaultSubset?: string;
  /** Subsets of this service that some route, split or failover names (the resolver defines them). */
  readonly referencedSubsets: readonly string[];
  /** Subsets of this service that are failover targets (they take no default traffic). */
  readonly backupSubsets: readonly string[];
  readonly onlyPassing: boolean;
  /** In-mesh routes with their destination service filled in. */
  readonly routes: readonly ResolvedRoute[];
  /** Instances that take traffic while any is healthy (see `PlannedService.primaryInstances`). */
  readonly primaryInstances: readonly string[];
  readonly resilience?: Resilience;
  /** Failover targets in order (a subset of this service has `service` = this service). */
  readonly failover: readonly ResolvedTarget[];
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  readonly access: readonly AccessSpec[];
}

/** A service, or one of its subsets. */
export interface ResolvedTarget {
  readonly service: string;
  readonly subset?: string;
}

/** An in-mesh or ingress route with its destination service named. */
export interface ResolvedRoute extends Omit<ServiceRouteSpec, "service"> {
  readonly service: string;
}

export interface ResolvedInstance {
  readonly id: string;
  readonly index: number;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly subset: string;
  readonly version: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

export interface ResolvedIngress {
  readonly name: string;
  readonly listeners: readonly {
    port: number;
    protocol: "http" | "tcp";
    routes: readonly ResolvedIngressRoute[];
  }[];
}

/** An ingress route; `pathPrefix` is `/` when no path condition is given. */
export interface ResolvedIngressRoute extends IngressRouteSpec {
  readonly host?: string;
}

export interface ResolvedIdentity {
  readonly realm: string;
  readonly url: string;
  readonly issuer: string;
  readonly scopes: readonly Required<ScopeProps>[];
  readonly roles: readonly Required<RoleProps>[];
  readonly users: readonly { username: string; roles: readonly string[]; scopes: readonly string[] }[];
  readonly accessTokenLifespanSeconds: number;
  readonly unsafePasswordGrantClient: boolean;
  readonly webApps: readonly ResolvedWebApp[];
  readonly database: "postgres" | "embedded";
}

/** A web app with its redirect URIs and web origins derived from the ingress routes. */
export interface ResolvedWebApp {
  readonly clientId: string;
  readonly service: string;
  readonly origins: readonly string[];
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly accessTokenLifetimeSeconds?: number;
}

/** First port tried for an upstream without a `localPort`. */
export const FIRST_UPSTREAM_PORT = 9001;

/** Fill in defaults. The spec must have passed `validate()`. */
export function resolve(spec: MeshSpec): ResolvedMesh {
  const lbFromCallers = new Map<string, LoadBalancing>();
  for (const s of spec.services)
    for (const u of s.upstreams ?? []) if (u.loadBalancing && !lbFromCallers.has(u.service)) lbFromCallers.set(u.service, u.loadBalancing);
  const referenced = referencedSubsets(spec);
  const services = spec.services.map((s) => resolveService(s, lbFromCallers.get(s.name), referenced.get(s.name) ?? new Set()));
  const tracing = spec.telemetry?.tracing;
  return {
    name: spec.name,
    datacenter: spec.datacenter ?? "dc1",
    images: { ...DEFAULT_IMAGES, ...spec.images },
    network: `${spec.name}-net`,
    services,
    byName: new Map(services.map((s) => [s.name, s])),
    ingresses: (spec.ingresses ?? []).map(resolveIngress),
    ...(spec.identity ? { identity: resolveIdentity(spec) } : {}),
    telemetry: {
      metrics: spec.telemetry?.metrics ?? true,
      accessLogs: spec.telemetry?.accessLogs ?? false,
      ...(tracing ? { samplePercent: Math.round(tracing.sampleRate * 10000) / 100 } : {}),
      scrapeInterval: spec.telemetry?.scrapeInterval ?? "5s",
    },
    sidecars: { workers: spec.sidecars?.workers ?? 1 },
    consulServers: consulServerNames(spec.consul?.servers ?? 1),
  };
}

/** Every subset some route, split, failover or default names, per service. */
function referencedSubsets(spec: MeshSpec): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const note = (service: string, subset: string | undefined) => {
    if (subset !== undefined) out.set(service, (out.get(service) ?? new Set()).add(subset));
  };
  for (const s of spec.services) {
    note(s.name, s.defaultSubset);
    for (const split of s.splits ?? (s.loadBalancing?.policy === "weighted" ? (s.loadBalancing.splits ?? []) : [])) note(s.name, split.subset);
    for (const r of s.routes ?? []) note(r.service ?? s.name, r.subset);
    for (const t of failoverTargets(s)) note(t.service, t.subset);
  }
  for (const g of spec.ingresses ?? []) for (const l of g.listeners) for (const r of l.routes) note(r.service, r.subset);
  return out;
}

/** A service's failover as targets in order. */
function failoverTargets(s: ServiceSpec): ResolvedTarget[] {
  const f = s.failover;
  if (!f) return [];
  const list = f.targets ?? [f];
  return list.map((t) => ({ service: t.service ?? s.name, ...(t.subset !== undefined ? { subset: t.subset } : {}) }));
}

function resolveService(s: ServiceSpec, lbFromCallers: LoadBalancing | undefined, referenced: ReadonlySet<string>): ResolvedService {
  const protocol = s.protocol ?? "http";
  const port = s.port ?? 8080;
  const version = s.version ?? "v1";
  const rawInstances =
    typeof s.instances === "number" || s.instances === undefined ? Array.from({ length: s.instances ?? 1 }, (): InstanceProps => ({})) : s.instances;
  const instances = rawInstances.map((i, n): ResolvedInstance => ({
    id: `${s.name}-${n + 1}`,
    index: n + 1,
    weight: i.weight ?? 1,
    tags: [...(s.tags ?? []), ...(i.tags ?? [])],
    subset: i.subset ?? "primary",
    version: i.version ?? version,
    meta: { ...s.meta, ...i.meta, subset: i.subset ?? "primary", version: i.version ?? version },
    env: i.env ?? {},
  }));
  const hc = s.healthCheck ?? (protocol === "http" ? { kind: "http" as const } : { kind: "tcp" as const });
  const healthCheck =
    hc.kind === "http"
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
  const subsets = [...new Set(instances.map((i) => i.subset))].sort();
  const splits = s.splits ?? (loadBalancing?.policy === "weighted" ? loadBalancing.splits : undefined);
  const failover = failoverTargets(s);
  const backupSubsets = [...new Set(failover.filter((t) => t.service === s.name && t.subset !== undefined).map((t) => t.subset!))].sort();
  const onlyPassing = s.onlyPassing ?? false;
  const defaultSubset = s.defaultSubset ?? defaultSubsetFor(subsets, backupSubsets) ?? (onlyPassing ? ALL_SUBSET : undefined);
  const primaryInstances = instances.filter((i) => takesDefaultTraffic(i.subset, defaultSubset, subsets, backupSubsets)).map((i) => i.id);
  const routes = (s.routes ?? []).map((r) => ({ ...r, service: r.service ?? s.name }));
  return {
    name: s.name,
    ...(s.app ? { app: s.app } : {}),
    port,
    protocol,
    version,
    meta: s.meta ?? {},
    tags: s.tags ?? [],
    healthCheck,
    instances,
    subsets,
    upstreams,
    ...(loadBalancing ? { loadBalancing } : {}),
    ...(splits?.length ? { splits } : {}),
    ...(defaultSubset !== undefined ? { defaultSubset } : {}),
    referencedSubsets: [...referenced].sort(),
    backupSubsets,
    onlyPassing,
    routes,
    primaryInstances,
    ...(s.resilience ? { resilience: s.resilience } : {}),
    failover,
    scopes: s.identity?.scopes ?? [],
    roles: s.identity?.roles ?? [],
    ...(s.identity?.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: s.identity.tokenLifetimeSeconds } : {}),
    access: s.access ?? [],
  };
}

/** The synthetic default subset of an `onlyPassing` service without one: every instance. */
export const ALL_SUBSET = "all";

/** Whether an instance of `subset` is among the primaries (see {@link defaultSubsetFor}). */
function takesDefaultTraffic(subset: string, defaultSubset: string | undefined, declared: readonly string[], backups: readonly string[]): boolean {
  if (defaultSubset === undefined) return true;
  // a synthetic subset ("all", "not-<backups>") is every instance outside the backups
  if (!declared.includes(defaultSubset)) return !backups.includes(subset);
  return subset === defaultSubset;
}

/**
 * With backup subsets, default traffic must avoid them: the default subset is the one other
 * subset, or a synthetic `not-<backups>` subset (every instance outside the backups) when
 * several remain. Without a backup there is no default subset: every instance takes traffic.
 */
function defaultSubsetFor(subsets: readonly string[], backups: readonly string[]): string | undefined {
  if (!backups.length) return undefined;
  const primaries = subsets.filter((s) => !backups.includes(s));
  return primaries.length === 1 ? primaries[0] : `not-${backups.join("-")}`;
}

function resolveIngress(g: IngressSpec): ResolvedIngress {
  return {
    name: g.name,
    listeners: g.listeners.map((l) => ({
      port: l.port,
      protocol: l.protocol ?? "http",
      routes: l.routes.map(withDefaultPrefix),
    })),
  };
}

function resolveIdentity(spec: MeshSpec): ResolvedIdentity {
  const identity = spec.identity ?? {};
  const realm = identity.realm ?? spec.name;
  const url = (identity.url ?? KEYCLOAK_DEFAULT_URL).replace(/\/$/, "");
  return {
    realm,
    url,
    issuer: `${url}/realms/${realm}`,
    scopes: (identity.scopes ?? []).map((s) => (typeof s === "string" ? { name: s, description: "" } : { name: s.name, description: s.description ?? "" })),
    roles: (identity.roles ?? []).map((r) => (typeof r === "string" ? { name: r, description: "" } : { name: r.name, description: r.description ?? "" })),
    users: (identity.users ?? []).map((u) => ({ username: u.username, roles: u.roles ?? [], scopes: u.scopes ?? [] })),
    accessTokenLifespanSeconds: identity.accessTokenLifespanSeconds ?? 300,
    unsafePasswordGrantClient: identity.unsafePasswordGrantClient ?? false,
    database: identity.database ?? "postgres",
    webApps: (identity.webApps ?? []).map((w) => ({
      clientId: w.clientId,
      service: w.service,
      ...webAppUris(webAppRoutes(spec.ingresses ?? [], w.service), w.origins, w.redirectUris),
      scopes: w.scopes ?? [],
      ...(w.accessTokenLifetimeSeconds !== undefined ? { accessTokenLifetimeSeconds: w.accessTokenLifetimeSeconds } : {}),
    })),
  };
}
