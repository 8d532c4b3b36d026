import { resolveSecretRefs, secretRefsIn, type ContainerSpec, type MeshPlan } from "../../sdk";
import { generateSecretValues } from "../../sdk/secrets/generate";

/** A `supplied` secret of the plan was not given. */
export class MissingSecretError extends Error {
  override readonly name = "MissingSecretError";
}

/**
 * The values of every secret of the plan for one harness run: fresh random ones, except those
 * `supplied` gives (which must include every `supplied` secret of the plan).
 */
export function runSecrets(plan: MeshPlan, supplied: Readonly<Record<string, string>> = {}): Record<string, string> {
  const missing = plan.secrets.filter((s) => s.generate.kind === "supplied" && supplied[s.name] === undefined);
  if (missing.length)
    throw new MissingSecretError(
      `mesh ${plan.mesh.name} needs secrets nobody supplied:\n${missing.map((s) => `  ${s.name}: ${s.purpose}`).join("\n")}\nfix: pass them to startMesh(plan, { secrets: { "<name>": value } })`,
    );
  return { ...generateSecretValues(plan.secrets), ...supplied };
}

/** The container with every secret reference in its env values and files replaced. */
export function withSecrets(spec: ContainerSpec, values: Readonly<Record<string, string>>): ContainerSpec {
  const resolve = (text: string) => (secretRefsIn(text).length ? resolveSecretRefs(text, values) : text);
  return {
    ...spec,
    env: Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, resolve(v)])),
    files: spec.files.map((f) => ({ ...f, content: resolve(f.content) })),
  };
}
