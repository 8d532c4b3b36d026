import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type { ContainerSpec } from "../sdk";
import { dockerHealthcheck, waitTimeoutSeconds } from "./healthcheck";
import { resolveText, type SecretValues } from "./secrets/references";

/** Labels every container and network of a MeshStack carries, so its leftovers can be found. */
export const STACK_LABEL = "io.meshwright.stack";
/** On a container whose health check reports another container's health: that container's Docker name. */
export const HEALTH_OF_LABEL = "io.meshwright.health-of";

/** What a plan container needs from its surroundings to become Docker container args. */
export interface ContainerContext {
  /** Docker container name. */
  readonly dockerName: string;
  /** Image to run (the plan's, an override, or a build's output). */
  readonly image: pulumi.Input<string>;
  /** The mesh network (name or id); used when the container has no `networkMode`. */
  readonly network: pulumi.Input<string>;
  /** Id of the container whose network namespace this one shares (`spec.networkMode`). */
  readonly namespaceOf?: pulumi.Input<string>;
  /** The stack's secret values, for `{{secret:…}}` references in env values and files. */
  readonly secretValues: pulumi.Output<SecretValues>;
  /**
   * The container whose health this one's health check reports (`spec.healthOf`): its Docker
   * name, and its id, a label here so that a replaced app replaces its probe too and the update
   * waits for the new app's health.
   */
  readonly healthOf?: { readonly dockerName: string; readonly id: pulumi.Input<string> };
  /** Host ports to publish: container port → host port. */
  readonly publish?: readonly { readonly containerPort: number; readonly hostPort: number }[];
  /** Host address published ports bind to. */
  readonly publishAddress: string;
  /** Value of {@link STACK_LABEL}. */
  readonly stack: string;
  /** Overrides the wait derived from the health check. */
  readonly waitTimeoutSeconds?: number;
  /** Whether the engine honours a health check's start interval (Docker 25+). @default true */
  readonly engineHasStartInterval?: boolean;
  /** Docker volume name of each of `spec.volumes`, by its plan name (the stack's `docker.Volume`s). */
  readonly volumeNames?: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * A plan container translated 1:1 into `docker.ContainerArgs`: image, entrypoint, command,
 * env and files (with secret references resolved; those values are Pulumi secrets), one
 * network with the plan's aliases (or another container's namespace), user, CPU and memory
 * limits, dropped capabilities and `no-new-privileges`, health check, restart policy. Pure:
 * no resource is created here.
 */
export function containerArgs(spec: ContainerSpec, ctx: ContainerContext): docker.ContainerArgs {
  if (spec.networkMode && ctx.namespaceOf === undefined)
    throw new Error(`${spec.name} shares ${spec.networkMode.container}'s network namespace; pass that container's id as namespaceOf`);
  const owner = numericUser(spec.user);
  return {
    name: ctx.dockerName,
    image: ctx.image,
    ...(spec.entrypoint ? { entrypoints: [...spec.entrypoint] } : {}),
    // Empty keeps the image's CMD: left out, since the provider reads the image's CMD back and
    // an empty list would replace the container on every up.
    ...(spec.command.length ? { command: [...spec.command] } : {}),
    envs: Object.entries(spec.env).map(([k, v]) => resolveText(`${k}=${v}`, ctx.secretValues)),
    uploads: spec.files.map((f) => ({
      file: f.path,
      content: resolveText(f.content, ctx.secretValues),
      permissions: fileMode(spec.name, f.path, f.mode ?? 0o644),
      // Owned by the user the container runs as, so a 0600 key stays readable to it. A user
      // given by name is resolved on the host by the provider, so only numeric ids are used.
      ...(owner ? { owner: owner.uid, ...(owner.gid !== undefined ? { group: owner.gid } : {}) } : {}),
    })),
    ...(spec.networkMode
      ? { networkMode: pulumi.interpolate`container:${ctx.namespaceOf}` }
      : {
          // Exactly one network: the provider disconnects the default bridge before start,
          // so Consul's `GetInterfaceIP "eth0"` is the mesh address.
          networksAdvanced: [{ name: ctx.network, aliases: [...spec.networkAliases] }],
          ports: (ctx.publish ?? []).map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: ctx.publishAddress, protocol: "tcp" })),
        }),
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.resources?.nanoCpus !== undefined ? { cpus: dockerCpus(spec.resources.nanoCpus) } : {}),
    // Swap set to the limit (none beyond it), as the harness does: left unset, Docker makes it
    // twice the limit, which the provider reads back as a change on every preview.
    ...(spec.resources?.memoryBytes !== undefined
      ? { memory: dockerMemoryMb(spec.resources.memoryBytes), memorySwap: dockerMemoryMb(spec.resources.memoryBytes) }
      : {}),
    ...(spec.security?.capDrop.length ? { capabilities: { drops: spec.security.capDrop.map(dockerCapability) } } : {}),
    ...(spec.security?.noNewPrivileges ? { securityOpts: ["no-new-privileges"] } : {}),
    ...(spec.healthCheck
      ? {
          healthcheck: dockerHealthcheck(spec.healthCheck, ctx.engineHasStartInterval),
          wait: true,
          waitTimeout: ctx.waitTimeoutSeconds ?? waitTimeoutSeconds(spec.healthCheck, undefined, ctx.engineHasStartInterval),
        }
      : {}),
    ...(spec.volumes?.length
      ? {
          volumes: spec.volumes.map((v) => {
            const volumeName = ctx.volumeNames?.[v.name];
            if (volumeName === undefined) throw new Error(`${spec.name} mounts volume ${v.name}; pass its Docker name in volumeNames`);
            return { volumeName, containerPath: v.path };
          }),
        }
      : {}),
    restart: spec.restartPolicy,
    mustRun: true,
    labels: [
      { label: STACK_LABEL, value: ctx.stack },
      { label: "io.meshwright.role", value: spec.role },
      { label: "io.meshwright.name", value: spec.name },
      ...(ctx.healthOf
        ? [
            { label: HEALTH_OF_LABEL, value: ctx.healthOf.dockerName },
            { label: `${HEALTH_OF_LABEL}-id`, value: ctx.healthOf.id },
          ]
        : []),
    ],
  };
}

/**
 * Nano-CPUs as the provider's `cpus`, spelt as it reads Docker's value back (`0.5`, `1.0`,
 * `1.25`): any other spelling of the same limit would replace the container on every `up`.
 */
export function dockerCpus(nanoCpus: number): string {
  if (!Number.isInteger(nanoCpus) || nanoCpus <= 0) throw new RangeError(`nanoCpus must be a positive integer, got ${nanoCpus}`);
  const whole = Math.floor(nanoCpus / 1e9);
  const fraction = String(nanoCpus % 1e9).padStart(9, "0");
  const nine = `${whole}.${fraction}`;
  if ((nine.match(/0/g) ?? []).length === 9) {
    // Go's big.Rat.FloatString(1): to the nearest tenth, halves away from zero.
    const tenths = Math.round(nanoCpus / 1e8);
    return `${Math.floor(tenths / 10)}.${tenths % 10}`;
  }
  return nine.replace(/0+$/, "");
}

/** Bytes as the provider's `memory` (MB, which it multiplies by 1024²), rounded up to whole MiB. */
export function dockerMemoryMb(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`memoryBytes must be a positive integer, got ${bytes}`);
  return Math.ceil(bytes / (1024 * 1024));
}

/**
 * A capability as Docker stores it (`CAP_NET_RAW`, `ALL`); the provider reads that back, so
 * `NET_RAW` or `net_raw` would replace the container on every `up`.
 */
export function dockerCapability(cap: string): string {
  const upper = cap.toUpperCase();
  return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/** `uid[:gid]` as numbers; undefined for a name. */
function numericUser(user: string | undefined): { uid: string; gid?: string } | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? "");
  return m ? { uid: m[1]!, ...(m[2] !== undefined ? { gid: m[2] } : {}) } : undefined;
}

function fileMode(container: string, path: string, mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
    throw new RangeError(`${container} file ${path}: mode ${mode.toString(8)} is not a permission mode (0 to 0777)`);
  return `0${mode.toString(8).padStart(3, "0")}`;
}
