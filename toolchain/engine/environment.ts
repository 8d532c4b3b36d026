import { mkdirSync } from "node:fs";
import { delimiter, dirname } from "node:path";
import { MissingPrerequisiteError } from "../errors";
import { command } from "../invocation";
import { engineBin, missingBinaries, stateDir } from "./paths";

/** Why the engine cannot run, with the command that fixes it. */
export class EngineMissingError extends MissingPrerequisiteError {
  override readonly name: string = "EngineMissingError";
  constructor(readonly missing: readonly string[]) {
    super(`the Pulumi engine is not built (missing ${missing.join(", ")} in ${engineBin()})`, { fix: command("engine") });
  }
}

/**
 * Environment for the Pulumi CLI: the engine's bin folder first on PATH (plugins found there
 * are used without download), a local file state backend, no login, no update check.
 * `PULUMI_CONFIG_PASSPHRASE` defaults to a fixed local value; set it to protect real secrets.
 *
 * Dynamic providers (MeshSecrets, the Consul ACL and config entry resources) run in a plugin
 * the engine starts in the program's folder, which for an inline program may be any temporary
 * folder: `MESHWRIGHT_PULUMI_NODEJS` names this process's `@pulumi/pulumi` and `MESHWRIGHT_NODE`
 * this Node.js, so the launcher runs the same SDK on the same Node wherever it starts.
 */
export function engineEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const missing = missingBinaries();
  if (missing.length) throw new EngineMissingError(missing);
  if (!base.PULUMI_BACKEND_URL) mkdirSync(stateDir(), { recursive: true });
  return {
    PATH: [engineBin(), base.PATH ?? ""].join(delimiter),
    PULUMI_BACKEND_URL: base.PULUMI_BACKEND_URL || `file://${stateDir()}`,
    PULUMI_CONFIG_PASSPHRASE: base.PULUMI_CONFIG_PASSPHRASE ?? "meshwright-local",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    MESHWRIGHT_PULUMI_NODEJS: base.MESHWRIGHT_PULUMI_NODEJS || dirname(require.resolve("@pulumi/pulumi/package.json")),
    MESHWRIGHT_NODE: base.MESHWRIGHT_NODE || process.execPath,
  };
}
