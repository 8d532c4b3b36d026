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
 * How many healthy endpoints of an upstream an instance's sidecar sees: the most of any of
 * its clusters for that upstream (with failover, the primary target's cluster). Consul names
 * a cluster `<subset>.<service>.default.<dc>.internal…`, and a failover chain's
 * `failover-target~<n>~<subset>.<service>.…`, so the name's dot-separated parts (after any
 * `~`) are matched.
 */
export async function sidecarEndpoints(mesh: StartedMesh, instance: string, upstream: string): Promise<number> {
  return healthyEndpoints(await mesh.envoyAdmin(instance, "/clusters?format=json"), upstream);
}

/**
 * How many healthy endpoints of a service an ingress gateway's Envoy sees (as
 * {@link sidecarEndpoints}), read from its admin API on the gateway's loopback.
 */
export async function gatewayEndpoints(mesh: StartedMesh, gateway: string, service: string): Promise<number> {
  const planned = mesh.plan.ingresses.find((g) => g.name === gateway);
  if (!planned) throw new Error(`mesh ${mesh.plan.mesh.name} has no ingress ${gateway}`);
  // The gateway image has bash but no HTTP client; its admin API listens on loopback only.
  const script = `exec 3<>/dev/tcp/127.0.0.1/${planned.adminPort} && printf 'GET /clusters?format=json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 && cat <&3`;
  const r = await mesh.container(planned.container).exec(["bash", "-c", script]);
  const [head = "", ...rest] = r.output.split("\r\n\r\n");
  if (r.exitCode !== 0 || !/^HTTP\/1\.1 200/.test(head)) throw new Error(`ingress ${gateway}: Envoy admin: exit ${r.exitCode} ${r.output.slice(0, 200)}`);
  const body = rest.join("\r\n\r\n");
  return healthyEndpoints(/transfer-encoding: chunked/i.test(head) ? dechunk(body) : body, service);
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

function healthyEndpoints(clustersJson: string, upstream: string): number {
  const clusters = JSON.parse(clustersJson) as EnvoyClusters;
  const healthy = (clusters.cluster_statuses ?? [])
    .filter((c) => c.name.split(/[.~]/).includes(upstream))
    .map((c) => (c.host_statuses ?? []).filter((h) => h.health_status.eds_health_status === "HEALTHY").length);
  return Math.max(0, ...healthy);
}
