import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type { ContainerSpec } from "../sdk";
import { dockerHealthcheck, waitTimeoutSeconds } from "./healthcheck";
import type { ContainerSecrets } from "./secrets";

/** Labels every container and network of a MeshStack carries, so its leftovers can be found. */
export const STACK_LABEL = "io.meshwright.stack";

/** What a plan container needs from its surroundings to become Docker container args. */
export interface ContainerContext {
  /** Docker container name. */
  readonly dockerName: string;
  /** Image to run (the plan's, or an override). */
  readonly image: string;
  /** The mesh network (name or id); used when the container has no `networkMode`. */
  readonly network: pulumi.Input<string>;
  /** Id of the container whose network namespace this one shares (`spec.networkMode`). */
  readonly namespaceOf?: pulumi.Input<string>;
  /** Which env values and files are secret. */
  readonly secrets: ContainerSecrets;
  /** Host ports to publish: container port → host port. */
  readonly publish?: readonly { readonly containerPort: number; readonly hostPort: number }[];
  /** Host address published ports bind to. */
  readonly publishAddress: string;
  /** Value of {@link STACK_LABEL}. */
  readonly stack: string;
  /** Overrides the wait derived from the health check. */
  readonly waitTimeoutSeconds?: number;
}

/**
 * A plan container translated 1:1 into `docker.ContainerArgs`: image, entrypoint, command,
 * env, files, one network with the plan's aliases (or another container's namespace),
 * health check, restart policy. Pure: no resource is created here.
 */
export function containerArgs(spec: ContainerSpec, ctx: ContainerContext): docker.ContainerArgs {
  if (spec.networkMode && ctx.namespaceOf === undefined)
    throw new Error(`${spec.name} shares ${spec.networkMode.container}'s network namespace; pass that container's id as namespaceOf`);
  return {
    name: ctx.dockerName,
    image: ctx.image,
    ...(spec.entrypoint ? { entrypoints: [...spec.entrypoint] } : {}),
    command: [...spec.command],
    envs: Object.entries(spec.env).map(([k, v]) => (ctx.secrets.env.has(k) ? pulumi.secret(`${k}=${v}`) : `${k}=${v}`)),
    uploads: spec.files.map((f, i) => ({
      file: f.path,
      content: ctx.secrets.files.has(i) ? pulumi.secret(f.content) : f.content,
      ...(f.mode !== undefined ? { permissions: `0${f.mode.toString(8)}`, executable: (f.mode & 0o111) !== 0 } : {}),
    })),
    ...(spec.networkMode
      ? { networkMode: pulumi.interpolate`container:${ctx.namespaceOf}` }
      : {
          // Exactly one network: the provider disconnects the default bridge before start,
          // so Consul's `GetInterfaceIP "eth0"` is the mesh address.
          networksAdvanced: [{ name: ctx.network, aliases: [...spec.networkAliases] }],
          ports: (ctx.publish ?? []).map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: ctx.publishAddress, protocol: "tcp" })),
        }),
    ...(spec.healthCheck
      ? { healthcheck: dockerHealthcheck(spec.healthCheck), wait: true, waitTimeout: ctx.waitTimeoutSeconds ?? waitTimeoutSeconds(spec.healthCheck) }
      : {}),
    restart: spec.restartPolicy,
    mustRun: true,
    labels: [
      { label: STACK_LABEL, value: ctx.stack },
      { label: "io.meshwright.role", value: spec.role },
      { label: "io.meshwright.name", value: spec.name },
    ],
  };
}
