import type { StartedMesh } from "../realize/started-mesh";

/** Requests a service's instances answered, as each side of the mesh counts them. */
export interface RequestCounts {
  /**
   * Per instance of the service: requests its sidecar took in on its public (mTLS) listener,
   * from callers and gateways (Envoy's `http.public_listener.downstream_rq_total`). Health
   * checks and Prometheus scrapes of `/metrics` come in on the exposed-path listeners and are
   * not counted: that is why the `local_app` cluster's counters, which include them, never
   * settle.
   */
  readonly callee: Readonly<Record<string, number>>;
  /**
   * Per calling instance, per instance of the service: requests the caller's sidecar sent to
   * it (the per-host `rq_total` of the caller's clusters for the service).
   */
  readonly callers: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

interface EnvoyClusters {
  cluster_statuses?: {
    name: string;
    host_statuses?: { address?: { socket_address?: { address?: string; port_value?: number } }; stats?: { name: string; value?: string }[] }[];
  }[];
}

/**
 * Counts of requests to `service` per instance, read from the sidecars (cumulative since each
 * sidecar started: take two readings and subtract to count a batch). Works for any app.
 */
export async function requestCounts(mesh: StartedMesh, service: string): Promise<RequestCounts> {
  const target = mesh.plan.services.find((s) => s.name === service);
  if (!target) throw new Error(`mesh ${mesh.plan.mesh.name} has no service ${service}`);
  const callee: Record<string, number> = {};
  for (const i of target.instances) {
    const stats = await mesh.instance(i.id).envoyAdmin("/stats?filter=^http\\.public_listener\\.downstream_rq_total$");
    callee[i.id] = Number(/downstream_rq_total: (\d+)/.exec(stats)?.[1] ?? 0);
  }
  const callers: Record<string, Record<string, number>> = {};
  for (const caller of mesh.plan.services.filter((s) => s.upstreams.some((u) => u.service === service))) {
    for (const ci of caller.instances) {
      const clusters = JSON.parse(await mesh.instance(ci.id).envoyAdmin("/clusters?format=json")) as EnvoyClusters;
      const counts: Record<string, number> = {};
      for (const c of (clusters.cluster_statuses ?? []).filter((x) => x.name.split(/[.~]/).includes(service))) {
        for (const h of c.host_statuses ?? []) {
          const ip = h.address?.socket_address?.address;
          const instance = ip ? await mesh.instanceAt(`${ip}:${h.address?.socket_address?.port_value ?? 0}`) : undefined;
          const total = Number(h.stats?.find((s) => s.name === "rq_total")?.value ?? 0);
          if (instance) counts[instance] = (counts[instance] ?? 0) + total;
        }
      }
      callers[ci.id] = counts;
    }
  }
  return { callee, callers };
}
