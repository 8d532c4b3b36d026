import { posix } from "node:path";
import { secretRefsIn, type ContainerSpec } from "../../sdk";
import type { Issues } from "./errors";
import type { EnvVar, KeyToPath, VolumeMount } from "./objects";

/** Pod volume holding the pod's files without secret references (its ConfigMap). */
export const FILES_VOLUME = "files";
/** Pod volume holding the pod's files with secret references (its Secret). */
export const SECRET_FILES_VOLUME = "secret-files";

/** What one pod's containers put into its ConfigMap and Secret, and how each container reads it. */
export interface PodData {
  /** ConfigMap data: files with no secret reference. */
  readonly config: Record<string, string>;
  /** Secret stringData: env values and files with secret references, references unresolved. */
  readonly secret: Record<string, string>;
  readonly configItems: KeyToPath[];
  readonly secretItems: KeyToPath[];
}

/** An empty {@link PodData}, filled container by container. */
export function emptyPodData(): PodData {
  return { config: {}, secret: {}, configItems: [], secretItems: [] };
}

/**
 * Kubernetes expands `$(NAME)` in env values, command and args, and turns `$$` into `$`;
 * Docker passes them as they are. Every `$` doubled reads back as the plan's text.
 */
export function literal(text: string): string {
  return text.replaceAll("$", () => "$$");
}

/**
 * The container's env: plain values as they are (escaped, see {@link literal}); a value with a
 * secret reference goes into the pod's Secret under `<container>.env.<NAME>` and is read with
 * `secretKeyRef`, so the workload's spec (and Pulumi's state of it) never holds the value.
 */
export function envOf(spec: ContainerSpec, secretName: string, data: PodData): EnvVar[] {
  return Object.entries(spec.env).map(([name, value], i) => {
    if (secretRefsIn(value).length === 0) return { name, value: literal(value) };
    const key = dataKey(`${spec.name}.env.${name}`, `${spec.name}.env.${i}`);
    data.secret[key] = value;
    return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
  });
}

/**
 * The container's files, each mounted with `subPath` at its path from the pod's ConfigMap (no
 * secret reference) or Secret (any reference): a file that holds a secret is secret as a
 * whole, as on Docker. Modes are kept (0644 when the plan gives none); a mode that is not a
 * permission mode is recorded in `issues`.
 */
export function fileMountsOf(spec: ContainerSpec, where: string, data: PodData, issues: Issues): VolumeMount[] {
  return spec.files.map((f, i) => {
    const mode = f.mode ?? 0o644;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
      issues.add(`${where}.files[${i}].mode`, `${mode} is not a permission mode`, "give a mode from 0 to 0o777");
    if (!posix.isAbsolute(f.path))
      issues.add(`${where}.files[${i}].path`, `"${f.path}" is not an absolute path`, "give the file's absolute path in the container");
    const key = dataKey(`${spec.name}.${i}.${posix.basename(f.path)}`, `${spec.name}.${i}`);
    const secret = secretRefsIn(f.content).length > 0;
    (secret ? data.secret : data.config)[key] = f.content;
    (secret ? data.secretItems : data.configItems).push({ key, path: key, mode });
    return { name: secret ? SECRET_FILES_VOLUME : FILES_VOLUME, mountPath: f.path, subPath: key, readOnly: true };
  });
}

/** `preferred` when it is a valid ConfigMap/Secret key (`[-._a-zA-Z0-9]+`), else `fallback`. */
function dataKey(preferred: string, fallback: string): string {
  return /^[-._a-zA-Z0-9]+$/.test(preferred) && preferred.length <= 253 ? preferred : fallback;
}
