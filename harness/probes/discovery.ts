import type Consul from "consul";
import type { StartedMesh } from "../realize/started-mesh";

/** One registered instance of a service, as Consul's health API reports it. */
export interface CatalogInstance {
  /** Service (instance) id, e.g. `payment-service-2`. */
  readonly id: string;
  /** The SDK's subset (`Meta.subset`). */
  readonly subset?: string;
  /** Worst status of its checks: critical beats warning beats passing. */
  readonly status: "passing" | "warning" | "critical";
  /** Its checks, with Consul's last output for each. */
  readonly checks: readonly { readonly name: string; readonly status: string; readonly output: string }[];
}

interface HealthEntry {
  Service: { ID: string; Meta?: Record<string, string> };
  Checks: { Name: string; Status: "passing" | "warning" | "critical"; Output: string; ServiceID: string }[];
}

const RANK = { passing: 0, warning: 1, critical: 2 } as const;

/** The mesh's client of its Consul server (one per mesh, with the management token). */
export function consulClient(mesh: StartedMesh): Consul {
  return mesh.consul.client();
}

/**
 * Every registered instance of a service with its health, from Consul (the instance's own
 * checks and its node's), sorted by id. What Consul says is what sidecars are told.
 */
export async function catalogHealth(mesh: StartedMesh, service: string): Promise<CatalogInstance[]> {
  const entries = (await consulClient(mesh).health.service(service)) as HealthEntry[];
  return entries
    .map((e) => {
      const checks = e.Checks.map((c) => ({ name: c.Name, status: c.Status, output: c.Output }));
      const status = e.Checks.reduce<CatalogInstance["status"]>((worst, c) => (RANK[c.Status] > RANK[worst] ? c.Status : worst), "passing");
      return { id: e.Service.ID, ...(e.Service.Meta?.subset ? { subset: e.Service.Meta.subset } : {}), status, checks };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

interface EnvoyClusters {
  cluster_statuses?: { name: string; host_statuses?: { health_status: Record<string, unknown> }[] }[];
}

/**
 * What an Envoy cluster name of a Consul 1.16 mesh upstream says: the target it is named for,
 * and for a member of a failover chain, its place in the chain.
 */
export interface MeshClusterName {
  /**
   * The service of the target the cluster is named for. For a failover chain's member this is
   * the chain's primary target, whatever the member's own target is (see {@link failoverTarget}).
   */
  readonly service: string;
  /** The service-resolver subset of that target, when it is one. */
  readonly subset?: string;
  /**
   * For a failover chain's member cluster, its place in the chain: 0 holds the primary
   * target's endpoints, `n` those of the resolver's n-th failover target (`Failover.Targets`
   * in order, or its single `Service`/`ServiceSubset`), which the name does not say.
   */
  readonly failoverTarget?: number;
}

const FAILOVER_PREFIX = /^failover-target~(\d+)~(.*)$/;
/** One DNS label of a target's name (not `passthrough~<service>`, say). */
const LABEL = /^[A-Za-z0-9_-]+$/;

/**
 * Reads a cluster name as Consul 1.16 writes it for an upstream target: the target's SNI,
 * `[<subset>.]<service>.<namespace>.<datacenter>.internal.<trust-domain>.consul`, where the
 * trust domain is `<cluster-id>.consul`. A target with failover becomes an aggregate cluster
 * of that name (no endpoints of its own) over member clusters
 * `failover-target~<n>~<the same name>`: every member carries the primary target's name, so
 * the n-th failover target is known only from the resolver. The labels before `internal` are
 * read from the right, so a subset is whatever comes before the service. Anything else
 * (`local_app`, `local_agent`, `self_admin`, `prometheus_backend`, `exposed_cluster_…`, …)
 * is undefined.
 */
export function parseClusterName(name: string): MeshClusterName | undefined {
  const failover = FAILOVER_PREFIX.exec(name);
  const sni = failover ? failover[2]! : name;
  const labels = sni.split(".");
  const internal = labels.lastIndexOf("internal");
  // `internal` is followed by the trust domain, itself `<cluster-id>.consul`.
  if (internal < 0 || labels.length - internal !== 3 || labels.at(-1) !== "consul") return undefined;
  const before = labels.slice(0, internal); // [subset,] service, namespace, datacenter
  if (before.length !== 3 && before.length !== 4) return undefined;
  if (!before.every((l) => LABEL.test(l))) return undefined;
  const [service, subset] = before.length === 4 ? [before[1]!, before[0]!] : [before[0]!, undefined];
  return {
    service,
    ...(subset !== undefined ? { subset } : {}),
    ...(failover ? { failoverTarget: Number(failover[1]) } : {}),
  };
}

/**
 * How many healthy endpoints (Envoy's EDS health `HEALTHY`) of a target an Envoy's
 * `/clusters?format=json` answer shows: the most of any cluster holding `service`'s own
 * endpoints (named for it, or member 0 of a failover chain named for it), only of `subset`'s
 * when given (undefined: any subset, or none). With `failoverTarget` n ≥ 1, instead the
 * member n of the failover chain whose primary target is `service`/`subset`: the resolver's
 * n-th failover target. A failover target is never found under its own name (see
 * {@link parseClusterName}). 0 when there is no such cluster.
 */
export function healthyEndpointsOf(clustersJson: string, service: string, subset?: string, failoverTarget = 0): number {
  const clusters = JSON.parse(clustersJson) as EnvoyClusters;
  const healthy = (clusters.cluster_statuses ?? [])
    .filter((c) => {
      const parsed = parseClusterName(c.name);
      return parsed?.service === service && (subset === undefined || parsed.subset === subset) && (parsed.failoverTarget ?? 0) === failoverTarget;
    })
    .map((c) => (c.host_statuses ?? []).filter((h) => h.health_status.eds_health_status === "HEALTHY").length);
  return Math.max(0, ...healthy);
}

/**
 * How many healthy endpoints of an upstream an instance's sidecar sees: the most of any of
 * its clusters for that upstream (with failover, the primary target's cluster), or of its
 * clusters for `subset` when given. Cluster names are read by {@link parseClusterName}.
 */
export async function sidecarEndpoints(mesh: StartedMesh, instance: string, upstream: string, subset?: string): Promise<number> {
  return healthyEndpointsOf(await mesh.envoyAdmin(instance, "/clusters?format=json"), upstream, subset);
}

/**
 * How many healthy endpoints of a service an ingress gateway's Envoy sees (as
 * {@link sidecarEndpoints}), read from its admin API on the gateway's loopback.
 */
export async function gatewayEndpoints(mesh: StartedMesh, gateway: string, service: string, subset?: string): Promise<number> {
  return healthyEndpointsOf(await gatewayClusters(mesh, gateway), service, subset);
}

/** An ingress gateway's Envoy `/clusters?format=json`, read on the gateway's loopback. */
export async function gatewayClusters(mesh: StartedMesh, gateway: string): Promise<string> {
  const planned = mesh.plan.ingresses.find((g) => g.name === gateway);
  if (!planned) throw new Error(`mesh ${mesh.plan.mesh.name} has no ingress ${gateway}`);
  // The gateway image has bash but no HTTP client; its admin API listens on loopback only.
  const script = `exec 3<>/dev/tcp/127.0.0.1/${planned.adminPort} && printf 'GET /clusters?format=json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 && cat <&3`;
  const r = await mesh.container(planned.container).exec(["bash", "-c", script]);
  const [head = "", ...rest] = r.output.split("\r\n\r\n");
  if (r.exitCode !== 0 || !/^HTTP\/1\.1 200/.test(head)) throw new Error(`ingress ${gateway}: Envoy admin: exit ${r.exitCode} ${r.output.slice(0, 200)}`);
  const body = rest.join("\r\n\r\n");
  return /transfer-encoding: chunked/i.test(head) ? dechunk(body) : body;
}

/** The payload of an HTTP/1.1 chunked body (Envoy's admin answers are ASCII). */
function dechunk(body: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
