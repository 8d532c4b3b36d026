import type { ContainerSpec } from "../../sdk";
import type { Issues } from "./errors";
import { envOf, fileMountsOf, literal, type PodData } from "./files";
import type { Container, SecurityContext, VolumeMount } from "./objects";
import { probesOf } from "./probes";

/** What a plan container needs from its pod to become a Kubernetes container. */
export interface ContainerContext {
  /** Image to run (the plan's, an override or a build's tag). */
  readonly image: string;
  /** The pod's Secret, which secret env values are read from. */
  readonly secretName: string;
  /** The pod's ConfigMap and Secret contents, filled as containers are translated. */
  readonly data: PodData;
  /** Mounts of the container's host volumes. */
  readonly volumeMounts: readonly VolumeMount[];
  /** Path of the container in the plan, for issues (`containers[3]`). */
  readonly where: string;
  readonly issues: Issues;
  /** Add a liveness probe (see `probesOf`). */
  readonly restartUnhealthy: boolean;
  /** Set container-level restart policies (Kubernetes 1.35+). */
  readonly containerRestartPolicies: boolean;
}

/**
 * A plan container as a Kubernetes container: same image (never pulled: the plan's images are
 * local tags), entrypoint as `command`, command as `args` (an entrypoint without a command
 * drops the image's CMD, as `docker run --entrypoint` does), env, files, ports, probes, user,
 * CPU and memory limits, dropped capabilities and no privilege gain, and its restart policy.
 */
export function kubeContainer(spec: ContainerSpec, ctx: ContainerContext): Container {
  const env = envOf(spec, ctx.secretName, ctx.data);
  const mounts = [...fileMountsOf(spec, ctx.where, ctx.data, ctx.issues), ...ctx.volumeMounts];
  const security = securityContext(spec, ctx.where, ctx.issues);
  const restartPolicy = ctx.containerRestartPolicies ? containerRestartPolicy(spec.restartPolicy) : undefined;
  const resources = limits(spec);
  return {
    name: spec.name,
    image: ctx.image,
    // The plan's images are local tags that exist only where they were built and imported.
    imagePullPolicy: "Never",
    ...(spec.entrypoint ? { command: spec.entrypoint.map(literal) } : {}),
    ...(spec.command.length ? { args: spec.command.map(literal) } : {}),
    ...(env.length ? { env } : {}),
    ...(spec.ports.length
      ? { ports: spec.ports.map((p) => ({ containerPort: p.container, protocol: p.protocol === "udp" ? ("UDP" as const) : ("TCP" as const) })) }
      : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    ...(resources ? { resources } : {}),
    ...(security ? { securityContext: security } : {}),
    ...probesOf(spec, ctx.where, ctx.issues, ctx.restartUnhealthy),
    ...(restartPolicy ? { restartPolicy } : {}),
  };
}

/**
 * A pod always restarts its containers (the only policy a Deployment or StatefulSet takes), so
 * `always` and `unless-stopped` need nothing more. `on-failure` and `no` become the
 * container-level policies `OnFailure` and `Never` (Kubernetes 1.35+, `ContainerRestartRules`):
 * a container that exits 0 stays down, as on Docker. Without them every container restarts.
 */
export function containerRestartPolicy(policy: ContainerSpec["restartPolicy"]): "OnFailure" | "Never" | undefined {
  switch (policy) {
    case "always":
    case "unless-stopped":
      return undefined;
    case "on-failure":
      return "OnFailure";
    case "no":
      return "Never";
  }
}

/**
 * CPU and memory limits, spelt as the API server reads them back (`500m`, `256Mi`) so that a
 * diff never shows an unchanged limit. Requests are left to default to the limits: the
 * scheduler then refuses a plan that does not fit the node instead of overcommitting it.
 */
export function limits(spec: Pick<ContainerSpec, "resources">): { limits: Record<string, string> } | undefined {
  const r = spec.resources;
  const out: Record<string, string> = {};
  if (r?.nanoCpus !== undefined) out["cpu"] = cpuQuantity(r.nanoCpus);
  if (r?.memoryBytes !== undefined) out["memory"] = memoryQuantity(r.memoryBytes);
  return Object.keys(out).length ? { limits: out } : undefined;
}

/** Nano-CPUs as a CPU quantity: whole cores, else millicores, rounded up (Kubernetes' finest unit). */
export function cpuQuantity(nanoCpus: number): string {
  const milli = Math.ceil(nanoCpus / 1e6);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a memory quantity in the largest binary unit that divides it. */
export function memoryQuantity(bytes: number): string {
  for (const [unit, size] of [
    ["Gi", 1024 ** 3],
    ["Mi", 1024 ** 2],
    ["Ki", 1024],
  ] as const)
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

/**
 * `user` (numeric `uid[:gid]` only: Kubernetes has no user names), dropped capabilities
 * (without Docker's `CAP_` prefix) and no privilege gain (`no-new-privileges`).
 */
function securityContext(spec: ContainerSpec, where: string, issues: Issues): SecurityContext | undefined {
  const user = numericUser(spec.user);
  if (spec.user !== undefined && !user)
    issues.add(`${where}.user`, `user "${spec.user}" is a name; Kubernetes runs containers only as numeric ids`, 'give the user as "uid" or "uid:gid"');
  const drop = spec.security?.capDrop.map((c) => c.toUpperCase().replace(/^CAP_/, "")) ?? [];
  const context: SecurityContext = {
    ...(user ? { runAsUser: user.uid, ...(user.gid !== undefined ? { runAsGroup: user.gid } : {}) } : {}),
    ...(spec.security?.noNewPrivileges ? { allowPrivilegeEscalation: false } : {}),
    ...(drop.length ? { capabilities: { drop } } : {}),
  };
  return Object.keys(context).length ? context : undefined;
}

/** `uid[:gid]` as numbers; undefined for a name or nothing. */
export function numericUser(user: string | undefined): { uid: number; gid?: number } | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? "");
  return m ? { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) } : undefined;
}
