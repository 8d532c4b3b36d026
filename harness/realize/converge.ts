import type { MeshPlan } from "../../sdk";
import { entryDrift } from "../../sdk/compile/consul/drift";
import { catalogHealth, gatewayClusters, healthyEndpointsOf } from "../probes/discovery";
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

/** One cluster an Envoy should see with at least `endpoints` healthy endpoints. */
export interface ExpectedEndpoints {
  /** An instance id, or an ingress gateway's name. */
  readonly where: string;
  readonly service: string;
  /** Only the clusters of this subset; any of the service's clusters when undefined. */
  readonly subset?: string;
  /** A failover target is found as member `index` of its primary's failover chain. */
  readonly failoverOf?: { readonly service: string; readonly subset?: string; readonly index: number };
  readonly endpoints: number;
}

/**
 * Every healthy endpoint count each instance's Envoy should see: for each upstream, every
 * target of its discovery chain (`PlannedService.chain`: routes' destinations, split subsets,
 * the default subset, failover targets) with the instances it selects.
 */
export function expectedEndpoints(plan: MeshPlan): ExpectedEndpoints[] {
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  return plan.services.flatMap((s) =>
    s.instances.flatMap((i) =>
      s.upstreams.flatMap((u) => byName.get(u.service)!.chain.map(({ instances, ...t }) => ({ where: i.id, ...t, endpoints: instances.length }))),
    ),
  );
}

/**
 * Every healthy endpoint count each ingress gateway's Envoy should see: each service its
 * routes lead to (directly, or through the service-router of a virtual service, to a subset
 * when the route names one) with its primary instances, or the subset's.
 */
export function expectedGatewayEndpoints(plan: MeshPlan): ExpectedEndpoints[] {
  type Destination = { service: string; subset?: string };
  const routers = new Map(
    plan.consul.configEntries
      .filter((e) => e.Kind === "service-router")
      .map((e) => [
        e.Name,
        ((e.Routes ?? []) as { Destination?: { Service?: string; ServiceSubset?: string } }[]).map((r): Destination => ({
          service: r.Destination?.Service ?? e.Name,
          ...(r.Destination?.ServiceSubset ? { subset: r.Destination.ServiceSubset } : {}),
        })),
      ]),
  );
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  return plan.consul.configEntries
    .filter((e) => e.Kind === "ingress-gateway")
    .flatMap((e) => {
      const names = ((e.Listeners ?? []) as { Services?: { Name: string }[] }[]).flatMap((l) => (l.Services ?? []).map((s) => s.Name));
      const targets = names.flatMap((n): Destination[] => (byName.has(n) ? [{ service: n }] : (routers.get(n) ?? [])));
      const unique = [...new Map(targets.filter((t) => byName.has(t.service)).map((t) => [`${t.service}/${t.subset ?? ""}`, t])).entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, t]) => t);
      return unique.map((t) => {
        const s = byName.get(t.service)!;
        const endpoints = t.subset !== undefined ? s.instances.filter((i) => i.subset === t.subset).length : s.primaryInstances.length;
        return { where: e.Name, ...t, endpoints };
      });
    });
}

/** What a destination's sidecar must have loaded: the callers its intentions name, and whether any rule needs a JWT. */
export function expectedAuthorization(plan: MeshPlan): { instance: string; sources: string[]; jwt: boolean }[] {
  type Source = { Name: string; JWT?: unknown; Permissions?: { JWT?: unknown }[] };
  return plan.consul.configEntries
    .filter((e) => e.Kind === "service-intentions")
    .flatMap((e) => {
      const sources = (e.Sources ?? []) as Source[];
      const service = plan.services.find((s) => s.name === e.Name);
      const jwt = sources.some((s) => s.JWT || (s.Permissions ?? []).some((p) => p.JWT));
      return (service?.instances ?? []).map((i) => ({ instance: i.id, sources: sources.map((s) => s.Name).filter((n) => n !== "*"), jwt }));
    });
}

/** What differs between the running mesh and its plan right now (empty when converged). */
export async function divergences(mesh: StartedMesh): Promise<Divergence[]> {
  const out: Divergence[] = await entryDivergences(mesh);
  for (const service of mesh.plan.services) {
    const passing = (await catalogHealth(mesh, service.name)).filter((i) => i.status === "passing").map((i) => i.id);
    const want = service.instances.map((i) => i.id).sort();
    if (JSON.stringify(passing) !== JSON.stringify(want))
      out.push({ where: "consul", what: `${service.name}: passing [${passing.join(", ")}], plan [${want.join(", ")}]` });
  }
  out.push(...(await endpointDivergences(expectedEndpoints(mesh.plan), (instance) => mesh.envoyAdmin(instance, "/clusters?format=json"))));
  out.push(...(await endpointDivergences(expectedGatewayEndpoints(mesh.plan), (gateway) => gatewayClusters(mesh, gateway))));
  for (const a of expectedAuthorization(mesh.plan)) out.push(...(await authorizationDivergences(mesh, a)));
  return out;
}

/**
 * Where an Envoy (a sidecar's or a gateway's) sees fewer healthy endpoints than expected;
 * each Envoy's `/clusters` is read once.
 */
async function endpointDivergences(expected: readonly ExpectedEndpoints[], read: (where: string) => Promise<string>): Promise<Divergence[]> {
  const out: Divergence[] = [];
  const byWhere = new Map<string, ExpectedEndpoints[]>();
  for (const e of expected) byWhere.set(e.where, [...(byWhere.get(e.where) ?? []), e]);
  for (const [where, wants] of byWhere) {
    let clusters: string;
    try {
      clusters = await read(where);
    } catch (err) {
      out.push({ where, what: `Envoy admin not answering: ${(err as Error).message}` });
      continue;
    }
    for (const want of wants) {
      const f = want.failoverOf;
      const seen = f ? healthyEndpointsOf(clusters, f.service, f.subset, f.index) : healthyEndpointsOf(clusters, want.service, want.subset);
      const name = want.subset !== undefined ? `${want.service} subset ${want.subset}` : want.service;
      if (seen < want.endpoints) out.push({ where, what: `sees ${seen} healthy ${name} endpoints, plan has ${want.endpoints}` });
    }
  }
  return out;
}

/** Config entries that Consul holds differently from the plan (changed or deleted behind its back). */
export async function entryDivergences(mesh: StartedMesh): Promise<Divergence[]> {
  const out: Divergence[] = [];
  for (const entry of mesh.plan.consul.configEntries) {
    const live = await mesh.consul.configEntry(entry.Kind, entry.Name);
    out.push(...entryDrift(entry, live).map((what) => ({ where: "consul", what: `config entry ${what}` })));
  }
  return out;
}

/**
 * Intentions reach a sidecar as RBAC rules on its public listener, naming each allowed
 * caller by its SPIFFE path; JWT rules need the realm's keys, which Envoy fetches on its own.
 */
async function authorizationDivergences(mesh: StartedMesh, a: { instance: string; sources: string[]; jwt: boolean }): Promise<Divergence[]> {
  const out: Divergence[] = [];
  try {
    const listeners = await mesh.envoyAdmin(a.instance, "/config_dump?resource=dynamic_listeners");
    const missing = a.sources.filter((s) => !listeners.includes(`/svc/${s}`));
    if (missing.length) out.push({ where: a.instance, what: `intentions not loaded: no RBAC rule for ${missing.join(", ")}` });
    if (a.jwt) {
      const stats = await mesh.envoyAdmin(a.instance, "/stats?filter=jwks_fetch_success");
      const fetched = [...stats.matchAll(/jwks_fetch_success: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      if (fetched === 0) out.push({ where: a.instance, what: "JWKS not fetched from Keycloak yet" });
    }
  } catch (err) {
    out.push({ where: a.instance, what: `Envoy admin not answering: ${(err as Error).message}` });
  }
  return out;
}

/**
 * Waits until the catalog and every sidecar match the plan (healthy endpoints per upstream,
 * intentions and JWT keys loaded); on timeout, fails listing exactly what has not converged.
 * Use instead of sleeps after {@link startMesh}.
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
