import type { MeshPlan } from "../sdk";

/** Which parts of one plan container hold secret values. */
export interface ContainerSecrets {
  /** Env variable names whose values are secret. */
  readonly env: ReadonlySet<string>;
  /** Indexes into the container's `files` whose content is secret. */
  readonly files: ReadonlySet<number>;
}

const NONE: ContainerSecrets = { env: new Set(), files: new Set() };

/**
 * Reads `plan.secrets` (JSON Pointers, RFC 6901) into per-container sets. A pointer into a
 * container field infra cannot mark secret throws: a secret that silently reached Pulumi's
 * state in clear text would be worse than a failed update.
 */
export function containerSecrets(plan: Pick<MeshPlan, "secrets" | "containers">): (index: number) => ContainerSecrets {
  const byIndex = new Map<number, { env: Set<string>; files: Set<number> }>();
  for (const pointer of plan.secrets) {
    const [root, index, field, key, leaf, ...rest] = parsePointer(pointer);
    if (root !== "containers") continue; // realm, admin, clients: infra passes only containers to Docker
    const i = Number(index);
    const entry = byIndex.get(i) ?? { env: new Set<string>(), files: new Set<number>() };
    byIndex.set(i, entry);
    if (field === "env" && key !== undefined && leaf === undefined) entry.env.add(key);
    else if (field === "files" && key !== undefined && leaf === "content" && rest.length === 0) entry.files.add(Number(key));
    else throw new Error(`plan secret ${pointer} points at a container field infra cannot mark secret (only env values and file contents)`);
  }
  return (index) => byIndex.get(index) ?? NONE;
}

/** Splits a JSON Pointer into unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (!pointer.startsWith("/")) throw new Error(`not a JSON Pointer: ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}
