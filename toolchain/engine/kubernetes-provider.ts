import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { downloadGoModule, goModuleBinary } from "../images/artifacts/go-build";
import type { StepContext } from "../images/recipe";
import { packagePath } from "../package-root";
import { printingContext } from "../progress";
import { engineLog } from "./build";
import { engineBin, engineRoot } from "./paths";
import { ENGINE } from "./versions";

/** Module of Pulumi's Kubernetes provider (native Go: no Terraform bridge). */
export const KUBERNETES_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";

/**
 * The provider commit built. The Go module proxy refuses the module's tagged versions
 * (`v4.25.0` … `v4.34.2`: 403 "This module version is not available") and serves this commit
 * as `@latest` (2026-01-15, Kubernetes client v0.33). Its resource set is exactly that of
 * `@pulumi/kubernetes` 4.24–4.25 (4.26 adds Kubernetes 1.34's), so the plugin answers as
 * {@link ENGINE}.kubernetes and package.json pins that npm version.
 */
export const KUBERNETES_PROVIDER_COMMIT = "v4.0.0-20260115033456-f47bc2d6f199";

/** The wrapper module the plugin is built in (the provider's go.mod replaces its SDK with a local path, which only a main module may do). */
const WRAPPER = "meshwright.local/pulumi-resource-kubernetes";

/** The plugin's file name in the engine's bin folder (Pulumi finds `pulumi-resource-*` on PATH). */
export const KUBERNETES_PLUGIN = "pulumi-resource-kubernetes";

/** The wrapper's main package (shipped in the package, found from its root). */
const MAIN = packagePath("toolchain", "engine", "kubernetes-provider", "main.go");

/** The provider build: the module at {@link KUBERNETES_PROVIDER_COMMIT}, its SDK at the version its go.mod names. */
export const KUBERNETES_PROVIDER = {
  mainPackage: `${WRAPPER}/cmd/${KUBERNETES_PLUGIN}`,
  ldflags: `-s -w -X ${KUBERNETES_PROVIDER_MODULE}/pkg/version.Version=${ENGINE.kubernetes}`,
  goMod: `module ${WRAPPER}

go 1.25.11

require (
	${KUBERNETES_PROVIDER_MODULE} ${KUBERNETES_PROVIDER_COMMIT}
	github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.24.0
)
`,
};

/** Whether the Kubernetes provider plugin is in the engine's bin folder. */
export function kubernetesProviderBuilt(): boolean {
  return existsSync(join(engineBin(), KUBERNETES_PLUGIN));
}

/**
 * Builds the Kubernetes provider plugin into the engine's bin folder when it is missing or
 * stale (stamped by version and a hash of the wrapper's sources, as the Docker provider is).
 * Not part of `ensureEngine`: only a Kubernetes target needs it, and it takes a while (a cold
 * build compiles the Kubernetes client and Pulumi's SDK).
 */
export async function ensureKubernetesProvider(
  ctx: StepContext = printingContext("pulumi-kubernetes", engineLog()),
): Promise<{ built: boolean; path: string }> {
  const target = join(engineBin(), KUBERNETES_PLUGIN);
  const stamp = join(engineRoot(), "stamps", KUBERNETES_PLUGIN);
  const version = providerVersion();
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, "utf8") === version) return { built: false, path: target };
  const dir = join(engineRoot(), "build", KUBERNETES_PLUGIN, version);
  const module = await ctx.step(`download ${KUBERNETES_PROVIDER_MODULE}`, () =>
    downloadGoModule(`${KUBERNETES_PROVIDER_MODULE}@${KUBERNETES_PROVIDER_COMMIT}`),
  );
  writeMainPackage(join(dir, "src", "cmd", KUBERNETES_PLUGIN), module.dir);
  const binary = await goModuleBinary(ctx, {
    component: KUBERNETES_PLUGIN,
    version,
    dir,
    ...KUBERNETES_PROVIDER,
    // The provider's own checksums: its dependencies are verified against them.
    goSum: readFileSync(join(module.dir, "go.sum"), "utf8"),
  });
  mkdirSync(engineBin(), { recursive: true });
  mkdirSync(join(engineRoot(), "stamps"), { recursive: true });
  copyFileSync(binary, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
  writeFileSync(stamp, version);
  return { built: true, path: target };
}

/** The cache key: plugin version, commit, and a hash of the wrapper's sources. */
function providerVersion(): string {
  const hash = createHash("sha256").update(KUBERNETES_PROVIDER.goMod).update(readFileSync(MAIN, "utf8")).digest("hex").slice(0, 10);
  return `v${ENGINE.kubernetes}-${hash}`;
}

/**
 * The main package beside the files it embeds, as the module's `go generate` writes them: the
 * schema with the plugin's version set, and the Terraform mapping, both re-serialized compact.
 */
function writeMainPackage(pkgDir: string, moduleDir: string): void {
  const source = join(moduleDir, "cmd", KUBERNETES_PLUGIN);
  mkdirSync(pkgDir, { recursive: true });
  const schema = JSON.parse(readFileSync(join(source, "schema.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(pkgDir, "schema-embed.json"), JSON.stringify({ ...schema, version: ENGINE.kubernetes }));
  writeFileSync(join(pkgDir, "terraform-mapping-embed.json"), JSON.stringify(JSON.parse(readFileSync(join(source, "terraform-mapping.json"), "utf8"))));
  writeFileSync(join(pkgDir, "main.go"), readFileSync(MAIN, "utf8"));
}
