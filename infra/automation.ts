import { existsSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack, type UpResult } from "@pulumi/pulumi/automation";
import { describeFailing, failingContainers } from "./diagnose";
import { engineEnv } from "../toolchain/engine/environment";
import { engineRoot } from "../toolchain/engine/paths";

/** Which stack of which project an inline program runs as, and where its state lives. */
export interface StackTarget {
  /** Pulumi project name. */
  readonly project: string;
  /** Stack name. @default "dev" */
  readonly stack?: string;
  /** Stack config (plain values), written before the program runs. */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Folder of the project's `Pulumi.yaml` (used as it is when there) and the stack's
   * `Pulumi.<stack>.yaml`, so `pulumi config set` there reaches the program.
   * @default a temporary folder
   */
  readonly workDir?: string;
  /** State backend. @default `$PULUMI_BACKEND_URL`, else `file://~/.cache/meshwright/pulumi-state` */
  readonly backendUrl?: string;
}

/**
 * A stack whose program runs in this process (an Automation API inline program), on the
 * engine built by `npm run engine`, with a local file backend and no login. The CLI talks
 * to this process as its language host, so no `pulumi-language-nodejs` plugin is needed
 * (the Go module proxy does not serve it).
 */
export async function inlineStack(target: StackTarget, program: PulumiFn): Promise<Stack> {
  const envVars = engineEnv({ ...process.env, ...(target.backendUrl ? { PULUMI_BACKEND_URL: target.backendUrl } : {}) });
  const pulumiCommand = await PulumiCommand.get({ root: engineRoot(), skipVersionCheck: false });
  const ownProject = target.workDir !== undefined && existsSync(join(target.workDir, "Pulumi.yaml"));
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: target.project, stackName: target.stack ?? "dev", program },
    {
      envVars,
      pulumiCommand,
      ...(target.workDir ? { workDir: target.workDir } : {}),
      // Given settings would overwrite a Pulumi.yaml that is already there.
      ...(ownProject ? {} : { projectSettings: { name: target.project, runtime: "nodejs" as const } }),
    },
  );
  for (const [key, value] of Object.entries(target.config ?? {})) await stack.setConfig(key, { value });
  return stack;
}

/** `pulumi up` failed; the message says which containers are failing and why. */
export class StackUpdateError extends Error {
  override readonly name = "StackUpdateError";
}

/**
 * `pulumi up`, and on failure an error that names each container of the MeshStack
 * `meshStack` (its component name) that is unhealthy or down, with its last log lines, plus
 * Pulumi's own error lines. What was created stays in the stack's state, so the next
 * `pulumi up` replaces only what failed.
 */
export async function upExplained(stack: Stack, meshStack: string, onOutput?: (out: string) => void): Promise<UpResult> {
  try {
    return await stack.up({ ...(onOutput ? { onOutput } : {}) });
  } catch (error) {
    const failing = await failingContainers(meshStack).catch(() => []);
    const pulumiErrors = [...new Set(String((error as Error).message).split("\n").map((l) => l.trim()).filter((l) => /^error: (?!update failed|1 error occurred)/.test(l)))];
    throw new StackUpdateError(
      [`pulumi up of stack ${stack.name} failed`, ...pulumiErrors.map((l) => `  ${l}`), describeFailing(failing)].filter(Boolean).join("\n"),
      { cause: error },
    );
  }
}
