import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goModuleBinary, type GoModuleBuild } from "../images/artifacts/go-build";
import { printingContext } from "../progress";
import type { StepContext } from "../images/recipe";
import { CLI, PROVIDER } from "./modules";
import { cacheRoot, ENGINE_BINARIES, engineBin, engineRoot } from "./paths";
import { ENGINE } from "./versions";
import { packagePath } from "../package-root";

/** Go source of the provider's main package (shipped in the package, found from its root). */
const PROVIDER_MAIN = packagePath("toolchain", "engine", "docker-provider", "main.go");
/** The dynamic provider launcher (shipped in the package), copied as it is. */
const DYNAMIC_LAUNCHER = packagePath("toolchain", "engine", "dynamic-provider", "pulumi-resource-pulumi-nodejs");

/**
 * Builds whatever of the engine is missing or stale into `~/.cache/meshwright/pulumi/<version>/bin`:
 * the `pulumi` CLI and the Docker provider plugin, from the Go module proxy, and writes the
 * launcher of Node.js dynamic providers (`pulumi-resource-pulumi-nodejs`, which Pulumi's CLI
 * distribution ships and a CLI built from source lacks). Each is stamped in `stamps/` (the
 * provider and launcher by a hash of their sources), so a second run does nothing. No language
 * host is built (the Go module proxy does not serve it): meshwright runs its programs inline
 * through the Automation API, whose process serves as the language host.
 */
export async function ensureEngine(ctx: StepContext = printingContext("pulumi-engine", engineLog())): Promise<{ built: string[] }> {
  mkdirSync(engineBin(), { recursive: true });
  mkdirSync(join(engineRoot(), "stamps"), { recursive: true });
  const built: string[] = [];
  for (const name of ENGINE_BINARIES) {
    const version = name === "pulumi" ? `v${ENGINE.pulumi}` : name === "pulumi-resource-docker" ? providerVersion() : launcherVersion();
    const target = join(engineBin(), name);
    // Kept out of bin/, which is on PATH where Pulumi looks for plugins.
    const stamp = join(engineRoot(), "stamps", name);
    if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, "utf8") === version) continue;
    const binary =
      name === "pulumi"
        ? await build(ctx, { component: "pulumi", version, ...CLI })
        : name === "pulumi-resource-docker"
          ? await buildProvider(ctx, version)
          : DYNAMIC_LAUNCHER;
    copyFileSync(binary, `${target}.tmp`);
    chmodSync(`${target}.tmp`, 0o755);
    renameSync(`${target}.tmp`, target);
    writeFileSync(stamp, version);
    built.push(name);
  }
  return { built };
}

/** Full output of engine builds: `~/.cache/meshwright/logs/pulumi-engine.log` (its folder created). */
export function engineLog(): string {
  const dir = join(cacheRoot(), "logs");
  mkdirSync(dir, { recursive: true });
  return join(dir, "pulumi-engine.log");
}

/** The provider's cache key: its plugin version and a hash of the wrapper's sources. */
function providerVersion(): string {
  const hash = createHash("sha256").update(PROVIDER.goMod).update(readFileSync(PROVIDER_MAIN, "utf8")).digest("hex").slice(0, 10);
  return `v${ENGINE.docker}-${hash}`;
}

/** The launcher's cache key: a hash of the script. */
function launcherVersion(): string {
  return `launcher-${createHash("sha256").update(readFileSync(DYNAMIC_LAUNCHER)).digest("hex").slice(0, 10)}`;
}

async function buildProvider(ctx: StepContext, version: string): Promise<string> {
  const main = readFileSync(PROVIDER_MAIN, "utf8");
  // goModuleBinary writes go.mod and tools.go into <cache>/<component>/<version>/src; the main package goes beside them.
  const pkgDir = join(buildRoot(), "pulumi-resource-docker", version, "src", "cmd", "pulumi-resource-docker");
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, "main.go"), main);
  return build(ctx, { component: "pulumi-resource-docker", version, ...PROVIDER });
}

function buildRoot(): string {
  return join(engineRoot(), "build");
}

/** The engine keeps its builds under its own folder, `<engine root>/build/<component>/<version>`. */
function build(ctx: StepContext, b: Omit<GoModuleBuild, "dir">): Promise<string> {
  const dir = join(buildRoot(), b.component, b.version);
  mkdirSync(dir, { recursive: true });
  return goModuleBinary(ctx, { ...b, dir });
}
