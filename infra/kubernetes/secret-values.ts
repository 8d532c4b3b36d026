import { resolveSecretRefs } from "../../sdk";
import type { KubeObject, SecretObject } from "./objects";

/** Secret values by key: `NAME`, or `NAME#cert` / `NAME#key` for TLS material (as MeshStack's). */
export type SecretValues = Readonly<Record<string, string>>;

/** A Secret's `stringData` with every `{{secret:…}}` reference replaced by its value. */
export function resolvedStringData(secret: SecretObject, values: SecretValues): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.stringData).map(([k, text]) => [k, resolveSecretRefs(text, values)]));
}

/**
 * The objects with their Secrets' values filled in, for applying them with `kubectl`. The
 * result holds secret values: write it only where the cluster's credentials are kept (a
 * realizer through Pulumi resolves each Secret as a Pulumi secret instead; see
 * `KubernetesMesh`). Throws naming the first reference without a value.
 */
export function withSecretValues(objects: readonly KubeObject[], values: SecretValues): KubeObject[] {
  return objects.map((o) => (o.kind === "Secret" ? { ...o, stringData: resolvedStringData(o, values) } : o));
}
