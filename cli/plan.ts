import type { MeshPlan } from "../sdk";

/** A readable summary of a plan: what will run, who calls whom, what is published. */
export function summarizePlan(plan: MeshPlan): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const kinds = new Map<string, number>();
  for (const e of plan.consul.configEntries) kinds.set(e.Kind, (kinds.get(e.Kind) ?? 0) + 1);
  const width = Math.max(0, ...plan.services.map((s) => s.name.length));
  const lines = [
    `mesh ${plan.mesh.name} (datacenter ${plan.mesh.datacenter}, plan version ${plan.version}) on network ${plan.network.name}`,
    `services (${plan.services.length}):`,
    ...plan.services.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${count(s.instances.length, "instance")} (${s.instances.map((i) => `${i.id}${i.subset ? `/${i.subset}` : ""}${i.weight !== 1 ? ` w${i.weight}` : ""}`).join(", ")}), ${s.protocol}:${s.port}` +
        (s.upstreams.length ? `, calls ${s.upstreams.map((u) => u.service).join(", ")}` : ""),
    ),
    ...(plan.ingresses.length
      ? [
          `ingress: ${plan.ingresses.map((i) => `${i.name} (${i.listeners.map((l) => `${l.port}/${l.protocol}${l.hosts.length ? ` ${l.hosts.join(" ")}` : ""}`).join(", ")})`).join("; ")}`,
        ]
      : []),
    `consul: ${count(plan.consul.configEntries.length, "config entry", "config entries")}${kinds.size ? ` (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}`,
    `keycloak: ${plan.keycloak ? `realm ${plan.keycloak.realmName}, ${count(plan.keycloak.clients.length, "client")}` : "none"}`,
    `prometheus: ${plan.prometheus ? "yes" : "no"}${plan.zipkin ? `, zipkin (sample rate ${plan.zipkin.sampleRate})` : ""}`,
    `containers (${plan.containers.length}): ${[...new Set(plan.containers.map((c) => c.image))].join(", ")}`,
    ...(plan.builds.length ? [`builds: ${plan.builds.map((b) => `${b.name} from ${b.context}`).join(", ")}`] : []),
    `secrets: ${plan.secrets.length} (generated per stack, never in the plan)`,
    ...(plan.warnings.length ? ["warnings:", ...plan.warnings.map((w) => `  - ${w.path}: ${w.message} (hint: ${w.hint})`)] : []),
  ];
  return lines.join("\n");
}

/** One difference between two plans, at a JSON path. */
export interface PlanChange {
  readonly path: string;
  readonly change: "added" | "removed" | "changed";
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * Every leaf that differs between two plans, by path (`services[payment-service].instances[0].weight`).
 * Arrays of named things (services, containers, config entries) are matched by name, so a new
 * service is one addition rather than a shift of every later index.
 */
export function diffPlans(before: unknown, after: unknown, path = ""): PlanChange[] {
  if (before === undefined) return after === undefined ? [] : [{ path, change: "added", after }];
  if (after === undefined) return [{ path, change: "removed", before }];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffPlans(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = keyed(before);
    const b = keyed(after);
    if (a && b) {
      const keys = [...new Set([...a.keys(), ...b.keys()])];
      return keys.flatMap((k) => diffPlans(a.get(k), b.get(k), `${path}[${k}]`));
    }
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => diffPlans(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, change: "changed", before, after }];
}

/** The diff as lines: `+ path: value`, `- path: value`, `~ path: before → after`. */
export function formatDiff(changes: readonly PlanChange[]): string {
  if (!changes.length) return "the plans are the same";
  const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  const lines = changes.map((c) =>
    c.change === "added"
      ? `+ ${c.path}: ${show(c.after)}`
      : c.change === "removed"
        ? `- ${c.path}: ${show(c.before)}`
        : `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`,
  );
  const n = (k: PlanChange["change"]) => changes.filter((c) => c.change === k).length;
  return `${lines.join("\n")}\n${n("added")} added, ${n("removed")} removed, ${n("changed")} changed`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An array of objects that all have a distinct `name` (or `Kind`+`Name`, for config entries), by that key. */
function keyed(items: readonly unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of items) {
    if (!isRecord(item)) return undefined;
    const key =
      typeof item.name === "string"
        ? item.name
        : typeof item.Kind === "string" && typeof item.Name === "string"
          ? `${item.Kind}/${item.Name}`
          : typeof item.id === "string"
            ? item.id
            : undefined;
    if (key === undefined || map.has(key)) return undefined;
    map.set(key, item);
  }
  return map;
}
