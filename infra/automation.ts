import { existsSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type PulumiFn, type Stack, type UpResult } from "@pulumi/pulumi/automation";
import { explainBuildFailure, type BuildFailure } from "./builds";
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

/** A Consul object that `pulumi up` found changed or deleted outside Pulumi and put back. */
export interface RestoredObject {
  /** `service-intentions/payment-service`, `acl-policy/<name>`, `acl-token/<secret name>`. */
  readonly subject: string;
  readonly drift: "changed" | "deleted";
}

/** What {@link upExplained} returns: Pulumi's result, and the drift it put back. */
export interface UpExplained extends UpResult {
  readonly restored: readonly RestoredObject[];
}

/** Options of {@link upExplained}. */
export interface UpOptions {
  /** Print Pulumi's output as it comes. */
  readonly onOutput?: (out: string) => void;
  /** Refresh the state from Docker and Consul first (`pulumi up --refresh`). @default false */
  readonly refresh?: boolean;
}

/**
 * `pulumi up`, and on failure an error that names each container of the MeshStack
 * `meshStack` (its component name) that is unhealthy or down, with its last log lines, plus
 * Pulumi's own error lines. What was created stays in the stack's state, so the next
 * `pulumi up` replaces only what failed. On success, also says which Consul objects it found
 * changed or deleted outside Pulumi and wrote back.
 */
export async function upExplained(stack: Stack, meshStack: string, { onOutput, refresh }: UpOptions = {}): Promise<UpExplained> {
  const restored: RestoredObject[] = [];
  const onEvent = (event: EngineEvent) => {
    const found = restoredBy(event);
    if (found) restored.push(found);
  };
  try {
    const result = await stack.up({ ...(onOutput ? { onOutput } : {}), ...(refresh ? { refresh: true } : {}), onEvent });
    return { ...result, restored };
  } catch (error) {
    const text = String((error as Error).message);
    const failing = await failingContainers(meshStack).catch(() => []);
    const pulumiErrors = [
      ...new Set(
        text
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => /^error: (?!update failed|1 error occurred)/.test(l)),
      ),
    ];
    const imageResources = [...new Set([...text.matchAll(/docker:index:RemoteImage \(([^)]+)\)/g)].map((m) => m[1]!))];
    const builds = (await Promise.all(imageResources.map((r) => explainBuildFailure(r).catch(() => undefined)))).filter(
      (b): b is BuildFailure => b !== undefined,
    );
    throw new StackUpdateError(
      [`pulumi up of stack ${stack.name} failed`, ...pulumiErrors.map((l) => `  ${l}`), ...builds.map(describeBuildFailure), describeFailing(failing)]
        .filter(Boolean)
        .join("\n"),
      { cause: error },
    );
  }
}

/** One paragraph for an app image that did not build. */
export function describeBuildFailure(b: BuildFailure): string {
  return [`the app image of service ${b.service} did not build (${b.dockerfile}); the build's last lines:`, ...b.lastLines.map((l) => `    ${l}`)].join("\n");
}

/** The Consul object an engine event reports as put back, if it does. */
export function restoredBy(event: EngineEvent): RestoredObject | undefined {
  const m = event.resOutputsEvent?.metadata;
  if (!m || m.op !== "update" || !m.type.startsWith("pulumi-nodejs:dynamic/consul:")) return undefined;
  const outputs = m.new?.outputs as { subject?: unknown; restored?: unknown } | undefined;
  if ((outputs?.restored !== "changed" && outputs?.restored !== "deleted") || typeof outputs.subject !== "string") return undefined;
  return { subject: outputs.subject, drift: outputs.restored };
}
