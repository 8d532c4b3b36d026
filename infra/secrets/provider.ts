/**
 * The dynamic provider behind {@link MeshSecrets}. Runs inside the provider plugin as
 * serialized code: it imports only the SDK's generator (node:crypto and ASN.1 encoding).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlanSecret } from "../../sdk/plan";
import { generateSecretValues } from "../../sdk/secrets/generate";

/** Inputs: the secrets to generate (the plan's, less the supplied ones). */
export interface MeshSecretsInputs {
  readonly specs: readonly PlanSecret[];
}

/** State: the specs the values were made for, and the values (a secret output). */
export interface MeshSecretsState extends MeshSecretsInputs {
  readonly values: Readonly<Record<string, string>>;
}

/** Names whose generator is not the same in both lists (added, removed or changed). */
export function changedSecrets(olds: readonly PlanSecret[], news: readonly PlanSecret[]): string[] {
  const before = new Map(olds.map((s) => [s.name, JSON.stringify(s.generate, Object.keys(s.generate).sort())]));
  const after = new Map(news.map((s) => [s.name, JSON.stringify(s.generate, Object.keys(s.generate).sort())]));
  return [...new Set([...before.keys(), ...after.keys()])].filter((n) => before.get(n) !== after.get(n)).sort();
}

/** The values of `state` whose secret is unchanged in `specs`, to keep. */
function keptValues(state: MeshSecretsState, specs: readonly PlanSecret[]): Record<string, string> {
  const changed = new Set(changedSecrets(state.specs ?? [], specs));
  return Object.fromEntries(Object.entries(state.values ?? {}).filter(([key]) => !changed.has(key.replace(/#(cert|key)$/, ""))));
}

/**
 * Secrets the plan still declares, unchanged, whose values the state no longer holds: the
 * running mesh was configured with values nobody has any more.
 */
export function lostSecrets(state: Partial<MeshSecretsState>, specs: readonly PlanSecret[]): string[] {
  const changed = new Set(changedSecrets(state.specs ?? [], specs));
  const values = state.values ?? {};
  return specs
    .filter((s) => s.generate.kind !== "supplied" && !changed.has(s.name))
    .filter((s) => (s.generate.kind === "tls-ca" || s.generate.kind === "tls-cert" ? [`${s.name}#cert`, `${s.name}#key`] : [s.name]).some((k) => !values[k]))
    .map((s) => s.name);
}

/**
 * Generates every value once, at create; an update keeps every value whose secret is declared
 * as before and generates only new or changed ones; refresh keeps the state (nothing outside
 * Pulumi holds these values).
 */
export const meshSecretsProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: MeshSecretsInputs) {
    return { id: "mesh-secrets", outs: { specs: inputs.specs, values: generateSecretValues(inputs.specs) } };
  },
  async diff(_id: string, olds: MeshSecretsState, news: MeshSecretsInputs) {
    const lost = lostSecrets(olds, news.specs);
    if (lost.length)
      // Fails the preview: new values would lock the running mesh out of itself (Consul keeps
      // its ACL state and gossip key; Keycloak its admin and clients).
      throw new Error(
        `the stack's state has lost the values of ${lost.length} secrets (${lost.slice(0, 5).join(", ")}${lost.length > 5 ? ", ..." : ""}), which the running mesh was configured with; fix: restore the state from a backup, or start over with new secrets: meshwright down, then meshwright up`,
      );
    return { changes: changedSecrets(olds.specs ?? [], news.specs).length > 0 };
  },
  async update(_id: string, olds: MeshSecretsState, news: MeshSecretsInputs) {
    return { outs: { specs: news.specs, values: generateSecretValues(news.specs, keptValues(olds, news.specs)) } };
  },
};
