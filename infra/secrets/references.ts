import * as pulumi from "@pulumi/pulumi";
import { MeshInvariantError } from "../../sdk/errors";
import { resolveSecretRefs, secretRefsIn, type ContainerSpec, type MeshPlan, type PlanSecret } from "../../sdk/plan";

/** Secret values by key: `NAME`, or `NAME#cert` / `NAME#key` for TLS material. */
export type SecretValues = Readonly<Record<string, string>>;

/** The plan's `supplied` secrets that were not given, and given names the plan does not declare. */
export class SecretsNotSuppliedError extends Error {
  override readonly name = "SecretsNotSuppliedError";
  constructor(
    readonly missing: readonly PlanSecret[],
    readonly unknown: readonly string[],
    declared: readonly string[],
  ) {
    super(
      [
        ...(missing.length
          ? [
              `the mesh needs ${missing.length === 1 ? "a secret" : `${missing.length} secrets`} you supply; pass ${missing.length === 1 ? "it" : "them"} in MeshStack's secrets, by name:`,
              ...missing.map((s) => `  - ${s.name}: ${s.purpose}`),
            ]
          : []),
        ...(unknown.length
          ? [
              `MeshStack secrets names ${unknown.map((n) => JSON.stringify(n)).join(", ")}, which the plan does not declare (it declares: ${declared.join(", ") || "none"})`,
            ]
          : []),
      ].join("\n"),
    );
  }
}

/**
 * Checks the secrets given to MeshStack against the plan: every `supplied` secret must be
 * given, and every given key must be a declared secret (`NAME`, or `NAME#cert`/`NAME#key` of a
 * TLS one) so that a misspelt name does not go unnoticed. Also checks that every reference in
 * the plan's containers and config entries names a declared secret (else the plan is broken).
 */
export function checkSecrets(plan: Pick<MeshPlan, "secrets" | "containers" | "consul">, given: Readonly<Record<string, unknown>> = {}): void {
  const declared = plan.secrets.map((s) => s.name);
  const keys = new Set(secretValueKeys(plan.secrets));
  for (const [where, text] of planTexts(plan))
    for (const ref of secretRefsIn(text))
      if (!keys.has(ref))
        throw new MeshInvariantError(
          `${where} references secret ${ref}, which plan.secrets does not declare (a TLS secret is referenced as NAME#cert or NAME#key)`,
        );
  const missing = plan.secrets.filter((s) => s.generate.kind === "supplied" && given[s.name] === undefined);
  const unknown = Object.keys(given).filter((k) => !keys.has(k));
  if (missing.length || unknown.length) throw new SecretsNotSuppliedError(missing, unknown, declared);
}

/** The keys secret values have: `NAME`, or `NAME#cert` and `NAME#key` of a TLS secret. */
export function secretValueKeys(secrets: readonly PlanSecret[]): string[] {
  return secrets.flatMap((s) => (s.generate.kind === "tls-ca" || s.generate.kind === "tls-cert" ? [`${s.name}#cert`, `${s.name}#key`] : [s.name]));
}

/** Every text of the plan that may hold secret references, with where it is. */
function planTexts(plan: Pick<MeshPlan, "containers" | "consul">): [string, string][] {
  return [
    ...plan.containers.flatMap((c) => [
      ...Object.entries(c.env).map(([k, v]): [string, string] => [`container ${c.name} env ${k}`, v]),
      ...c.files.map((f): [string, string] => [`container ${c.name} file ${f.path}`, f.content]),
    ]),
    ...plan.consul.configEntries.map((e): [string, string] => [`config entry ${e.Kind}/${e.Name}`, JSON.stringify(e)]),
  ];
}

/** Generated values with the given ones on top (a secret). */
export function mergeSecretValues(
  generated: pulumi.Input<SecretValues>,
  given: Readonly<Record<string, pulumi.Input<string>>> = {},
): pulumi.Output<SecretValues> {
  return pulumi.secret(pulumi.all([generated, pulumi.all(given)]).apply(([g, s]) => ({ ...g, ...s })));
}

/** `text` as it is when it holds no reference, else its resolved value as a secret. */
export function resolveText(text: string, values: pulumi.Output<SecretValues>): pulumi.Input<string> {
  if (secretRefsIn(text).length === 0) return text;
  return pulumi.secret(values.apply((v) => resolveSecretRefs(text, v)));
}

/** Like {@link resolveText} for every string inside a JSON value. */
export function resolveJson<T>(value: T, values: pulumi.Output<SecretValues>): pulumi.Input<T> {
  if (secretRefsIn(JSON.stringify(value)).length === 0) return value;
  const walk = (v: unknown, all: SecretValues): unknown =>
    typeof v === "string"
      ? resolveSecretRefs(v, all)
      : Array.isArray(v)
        ? v.map((x) => walk(x, all))
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, all)]))
          : v;
  return pulumi.secret(values.apply((all) => walk(value, all)));
}

/** Names of the secrets a container references (without `#part`). */
export function secretsReferencedBy(spec: ContainerSpec): Set<string> {
  const texts = [...Object.values(spec.env), ...spec.files.map((f) => f.content)];
  return new Set(texts.flatMap((t) => secretRefsIn(t)).map((k) => k.replace(/#(cert|key)$/, "")));
}
