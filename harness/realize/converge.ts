import type { MeshPlan } from "../../sdk";
import type { StartedMesh } from "./started-mesh";

/** One thing that does not yet look as the plan says. */
export interface Divergence {
  /** Where: `consul` or an instance id. */
  readonly where: string;
  readonly what: string;
}

/** Options for {@link waitConverged}. */
export interface ConvergeOptions {
  /** @default 120000 */
  readonly timeoutMs?: number;
  /** @default 1000 */
  readonly intervalMs?: number;
}

interface EnvoyClusters {
  cluster_statuses?: { name: string; host_statuses?: { health_status: Record<string, unknown> }[] }[];
}

/**
 * Every healthy endpoint count each instance's Envoy should see per upstream: the
 * instances of the upstream in its default subset (all of them when it has no subsets).
 */
export function expectedEndpoints(plan: MeshPlan): { instance: string; upstream: string; endpoints: number }[] {
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  return plan.services.flatMap((s) =>
    s.instances.flatMap((i) =>
      s.upstreams.map((u) => {
        const target = byName.get(u.service)!;
        const primary = target.instances.filter((t) => t.subset === target.instances[0]!.subset);
        return { instance: i.id, upstream: u.service, endpoints: primary.length };
      }),
    ),
  );
}

/** What differs between the running mesh and its plan right now (empty when converged). */
export async function divergences(mesh: StartedMesh): Promise<Divergence[]> {
  const out: Divergence[] = [];
  for (const service of mesh.plan.services) {
    const res = await fetch(`${mesh.consulUrl()}/v1/health/service/${service.name}?passing=true`);
    const passing = ((await res.json()) as { Service: { ID: string } }[]).map((e) => e.Service.ID).sort();
    const want = service.instances.map((i) => i.id).sort();
    if (JSON.stringify(passing) !== JSON.stringify(want)) out.push({ where: "consul", what: `${service.name}: passing [${passing.join(", ")}], plan [${want.join(", ")}]` });
  }
  for (const e of expectedEndpoints(mesh.plan)) {
    let clusters: EnvoyClusters;
    try {
      clusters = JSON.parse(await mesh.envoyAdmin(e.instance, "/clusters?format=json")) as EnvoyClusters;
    } catch (err) {
      out.push({ where: e.instance, what: `Envoy admin not answering: ${(err as Error).message}` });
      continue;
    }
    const healthy = (clusters.cluster_statuses ?? [])
      .filter((c) => c.name.split(".").includes(e.upstream))
      .map((c) => (c.host_statuses ?? []).filter((h) => h.health_status.eds_health_status === "HEALTHY").length);
    const best = Math.max(0, ...healthy);
    if (best < e.endpoints) out.push({ where: e.instance, what: `sees ${best} healthy ${e.upstream} endpoints, plan has ${e.endpoints}` });
  }
  return out;
}

/**
 * Waits until the catalog and every sidecar match the plan; on timeout, fails listing
 * exactly what has not converged. Use instead of sleeps after {@link startMesh}.
 */
export async function waitConverged(mesh: StartedMesh, options: ConvergeOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await divergences(mesh);
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`mesh ${mesh.plan.mesh.name} did not converge in ${timeoutMs} ms:\n${left.map((d) => `  ${d.where}: ${d.what}`).join("\n")}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
  }
}
