import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { shop } from "../examples/shop";
import { inlineStack, StackUpdateError, upExplained } from "../infra/automation";
import { stackLeftovers } from "../infra/diagnose";
import { meshName, meshProgram, type MeshOutputs } from "../infra/program";
import { cacheRoot } from "../toolchain/cache";
import { ensureEngine } from "../toolchain/engine/build";
import { engineEnv } from "../toolchain/engine/environment";
import { engineBin } from "../toolchain/engine/paths";
import { MeshwrightError } from "../toolchain/errors";
import { buildAll } from "../toolchain/images/build-all";
import { OFFLINE_RECIPES } from "../toolchain/images/recipes";
import { command, installed } from "../toolchain/invocation";
import { packagePath } from "../toolchain/package-root";
import { duration } from "../toolchain/progress";
import { loadProgram } from "./program-file";
import { setup } from "./setup";

/** Options every stack command takes. */
export interface StackOptions {
  /** Stack name. @default `$MESHWRIGHT_STACK`, else "dev" */
  readonly stack?: string;
  /** The export to use when the file has several. */
  readonly export?: string;
}

/** What `up`, `preview` and `down` run: the Pulumi program, and where its project lives. */
interface Target {
  readonly program: PulumiFn;
  readonly project: string;
  readonly stack: string;
  readonly workDir: string;
  /** The MeshStack's name where meshwright makes it (a Mesh or MeshPlan file, the example). */
  readonly meshStack?: string;
  readonly label: string;
}

/** The example when no file is given, else the file's program (see program-file.ts for the contract). */
function target(file: string | undefined, opts: StackOptions): Target {
  const stack = opts.stack ?? process.env.MESHWRIGHT_STACK ?? "dev";
  if (file === undefined)
    return {
      program: () => Promise.resolve(meshProgram()),
      project: "meshwright",
      stack,
      workDir: exampleDir(),
      meshStack: shop.name,
      label: `${shop.name} (the example)`,
    };
  const found = loadProgram(file, opts.export);
  const workDir = dirname(resolve(file));
  const project = projectName(workDir);
  switch (found.kind) {
    case "mesh":
    case "plan": {
      const source = found.kind === "mesh" ? found.spec : found.plan;
      return { program: () => Promise.resolve(meshProgram(source)), project, stack, workDir, meshStack: meshName(source), label: meshName(source) };
    }
    case "program":
      return {
        program: async () => {
          const outputs: unknown = await found.run();
          return typeof outputs === "object" && outputs !== null ? (outputs as Record<string, unknown>) : undefined;
        },
        project,
        stack,
        workDir,
        label: `${basename(file)} (${found.name})`,
      };
  }
}

/** The project's name: its Pulumi.yaml's, else the folder's (as `pulumi new` names it), so two programs never share a stack. */
function projectName(workDir: string): string {
  const yaml = join(workDir, "Pulumi.yaml");
  const named = existsSync(yaml) ? /^name:\s*(\S+)/m.exec(readFileSync(yaml, "utf8"))?.[1] : undefined;
  return named ?? (basename(workDir).replace(/[^A-Za-z0-9_.-]/g, "-") || "meshwright");
}

/** The example's project folder: the repository; when installed, a folder in the cache (not node_modules). */
function exampleDir(): string {
  if (!installed()) return packagePath();
  const dir = join(cacheRoot(), "example");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "Pulumi.yaml"))) copyFileSync(packagePath("Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

function open(t: Target): Promise<Stack> {
  return inlineStack({ project: t.project, stack: t.stack, workDir: t.workDir }, t.program);
}

/** Setup, images and the Pulumi engine: whatever is missing, with progress. */
async function prepare(): Promise<void> {
  await setup();
  const images = await buildAll(OFFLINE_RECIPES, { out: (l) => (/: cached$/.test(l) ? undefined : console.log(l)) });
  console.log(`images: ${images.filter((i) => i.status === "built").length} built, ${images.filter((i) => i.status === "cached").length} cached`);
  const started = Date.now();
  const { built } = await ensureEngine();
  console.log(built.length ? `engine: built ${built.join(", ")} in ${duration(Date.now() - started)}` : `engine: ready (${engineBin()})`);
}

/** `meshwright up [file]`: pulumi up (refreshed first, so what changed outside Pulumi is put back), then the URLs. */
export async function up(file: string | undefined, opts: StackOptions): Promise<void> {
  await prepare();
  const t = target(file, opts);
  const started = Date.now();
  let result;
  try {
    result = await upExplained(await open(t), t.meshStack ?? t.label, { onOutput: (out) => process.stdout.write(out), refresh: true });
  } catch (error) {
    if (error instanceof StackUpdateError && /port is already allocated|address already in use/.test(error.message))
      throw new MeshwrightError(error.message, {
        fix: `free that port, or publish elsewhere: ${command("pulumi -- config set meshwright:<consul|keycloak|ingress|prometheus>Port <port>")}`,
        cause: error,
      });
    throw error;
  }
  for (const r of result.restored) console.log(`restored ${r.subject} ${r.drift} outside Pulumi`);
  const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])) as Record<string, unknown>;
  const changes = Object.entries(result.summary.resourceChanges ?? {})
    .filter(([k]) => k !== "same")
    .map(([k, n]) => `${n} ${k}`);
  console.log(`\n${t.label} is up (${changes.length ? changes.join(", ") : "no changes"}; ${duration(Date.now() - started)}), stack ${t.project}/${t.stack}`);
  // Hints that reach this stack again: its program file, its project's folder, its stack.
  const onStack = t.stack === "dev" ? "" : ` --stack ${t.stack}`;
  const pulumiHint = (args: string) => command(`pulumi -- ${file ? `-C ${dirname(file)} ` : ""}${args}${onStack}`);
  console.log(t.meshStack ? meshUrls(outputs, t.meshStack === shop.name, pulumiHint) : plainOutputs(outputs));
  console.log(`Down: ${command(`down${file ? ` ${file}` : ""}${onStack}`)}`);
}

/** The outputs of meshProgram as the stack reports them: plain values. */
type PrintedOutputs = Partial<pulumi.Unwrap<MeshOutputs>>;

function meshUrls(o: PrintedOutputs, isShop: boolean, pulumiHint: (args: string) => string): string {
  const lines = [
    `  Consul UI    ${o.consulUrl ?? "(not published)"}${o.consulUrl ? "/ui" : ""}`,
    `  Keycloak     ${o.keycloakUrl ?? "(not published)"}   admin password: ${pulumiHint("stack output keycloakAdmin --show-secrets")}`,
    `               test users' passwords: ${pulumiHint("stack output userPasswords --show-secrets")}`,
    `  Prometheus   ${o.prometheusUrl ?? "(not published)"}`,
    `  Ingress      ${o.ingressUrl ?? "(not published)"}${o.ingressUrl && isShop ? `   try: curl -H 'Host: shop.local' ${o.ingressUrl}/` : ""}`,
  ];
  if (isShop)
    lines.push(
      "Inside the mesh, a service calls its upstreams through its sidecar, e.g.:",
      `  docker exec ${o.dockerNames?.["user-service-1-app"] ?? "shop-user-service-1-app"} workload get http://127.0.0.1:8080/call/payment-service/`,
      "  (403: payment-service admits user-service only with a payments:write token on POST /pay)",
    );
  return lines.join("\n");
}

function plainOutputs(outputs: Record<string, unknown>): string {
  const keys = Object.keys(outputs).sort();
  return keys.length ? keys.map((k) => `  ${k}: ${JSON.stringify(outputs[k])}`).join("\n") : "  (the program returned no outputs)";
}

/** `meshwright preview [file]`: what up would change. */
export async function preview(file: string | undefined, opts: StackOptions): Promise<void> {
  await prepare();
  const t = target(file, opts);
  const result = await (await open(t)).preview({ diff: true, onOutput: (out) => process.stdout.write(out) });
  const changes = Object.entries(result.changeSummary).filter(([k]) => k !== "same");
  console.log(changes.length ? `\nup would: ${changes.map(([k, n]) => `${k} ${n}`).join(", ")}` : "\nup would change nothing");
}

/** `meshwright down [file]`: pulumi destroy; fails when a container or network of the mesh remains. */
export async function down(file: string | undefined, opts: StackOptions): Promise<void> {
  await setup();
  const t = target(file, opts);
  const stack = await open(t);
  const meshStacks = t.meshStack ? [t.meshStack] : await meshStacksIn(stack);
  const started = Date.now();
  const result = await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
  const left = (await Promise.all(meshStacks.map((m) => stackLeftovers(m)))).flat();
  console.log(`\n${t.label} is down (${result.summary.resourceChanges?.delete ?? 0} deleted in ${duration(Date.now() - started)})`);
  if (left.length)
    throw new MeshwrightError(`these remain after pulumi destroy: ${left.join(", ")}`, { fix: "docker rm -f / docker network rm them, then report it" });
}

/** The names of the MeshStack components in a stack's state. */
async function meshStacksIn(stack: Stack): Promise<string[]> {
  const state = (await stack.exportStack()).deployment as { resources?: { type: string; urn: string }[] } | undefined;
  return (state?.resources ?? []).filter((r) => r.type === "meshwright:infra:MeshStack").map((r) => r.urn.split("::").pop()!);
}

/**
 * `meshwright pulumi [args...]`: the engine's `pulumi` with the same state backend, passphrase
 * and plugins as up, in this folder when it has a Pulumi.yaml, else in the example's.
 */
export function passThrough(args: readonly string[]): number {
  const cwd = existsSync(join(process.cwd(), "Pulumi.yaml")) ? process.cwd() : exampleDir();
  const r = spawnSync(join(engineBin(), "pulumi"), args.length ? args : ["--help"], { stdio: "inherit", cwd, env: { ...process.env, ...engineEnv() } });
  return r.status ?? 1;
}
