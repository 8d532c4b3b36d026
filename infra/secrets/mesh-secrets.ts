import * as pulumi from "@pulumi/pulumi";
import type { PlanSecret } from "../../sdk";
import { meshSecretsProvider } from "./provider";

/**
 * Every generated secret of a plan, made once per stack and kept in Pulumi's state as one
 * secret map (`NAME`, or `NAME#cert`/`NAME#key` for TLS material). Later `pulumi up`s keep the
 * values; a secret the plan adds, or declares with another generator, gets a new value, and
 * the rest stay. `supplied` secrets are not generated (MeshStack is given them).
 */
export class MeshSecrets extends pulumi.dynamic.Resource {
  /** The values by key (a secret). */
  declare readonly values: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: { readonly secrets: readonly PlanSecret[] }, opts?: pulumi.CustomResourceOptions) {
    const specs = args.secrets.filter((s) => s.generate.kind !== "supplied");
    super(meshSecretsProvider, name, { specs, values: undefined }, { ...opts, additionalSecretOutputs: ["values"] }, "meshwright", "MeshSecrets");
  }
}
