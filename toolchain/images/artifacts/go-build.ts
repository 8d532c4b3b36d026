import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { ImageBuildError } from "../../errors";
import type { StepContext } from "../recipe";
import { capture, run } from "../../shell";
import { command } from "../../invocation";

/** A Go program built from the Go module proxy through a wrapper module. */
export interface GoModuleBuild {
  /** Cache folder name, e.g. `consul`. */
  component: string;
  /** Component version; the cache key. */
  version: string;
  /** Package path of the main package. */
  mainPackage: string;
  /** Contents of the wrapper's go.mod (it requires the module and pins what must be pinned). */
  goMod: string;
  /**
   * Checksums to start the wrapper's go.sum from (e.g. the built module's own go.sum): modules
   * listed there are verified against them rather than looked up in the checksum database.
   */
  goSum?: string;
  /** Linker flags (version stamping). */
  ldflags: string;
  /** Extra environment for go commands. */
  env?: Record<string, string>;
  /** Folder the sources and binary are kept in. @default `<cache>/<component>/<version>` */
  dir?: string;
}

/**
 * `go install pkg@version` refuses modules with replace directives, so the program is
 * built inside a small wrapper module that imports it. The binary is cached by version.
 */
export async function goModuleBinary(ctx: StepContext, b: GoModuleBuild): Promise<string> {
  const dir = b.dir ?? cacheDir(b.component, b.version);
  const binary = join(dir, b.component);
  if (existsSync(binary)) return binary;
  if ((await capture("go", ["version"])).code !== 0)
    throw new ImageBuildError(
      "the Go toolchain is not installed",
      `${command("setup")} installs it where it can; else install Go 1.21 or newer (it fetches the toolchain a build asks for)`,
    );
  const src = join(dir, "src");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "go.mod"), b.goMod);
  if (b.goSum !== undefined) writeFileSync(join(src, "go.sum"), b.goSum);
  writeFileSync(join(src, "tools.go"), `//go:build tools\n\npackage tools\n\nimport _ "${b.mainPackage}"\n`);
  const env = { CGO_ENABLED: "0", GOFLAGS: "-mod=mod", ...b.env };
  await ctx.step(`resolve ${b.component}'s Go modules`, () => run("go", ["mod", "tidy"], { cwd: src, env, log: ctx.log, explain: goExplain }));
  await ctx.step(`go build ${b.mainPackage} (minutes on 2 cores)`, () =>
    run("go", ["build", "-trimpath", "-ldflags", b.ldflags, "-o", `${binary}.tmp`, b.mainPackage], { cwd: src, env, log: ctx.log, explain: goExplain }),
  );
  renameSync(`${binary}.tmp`, binary);
  return binary;
}

/** Where a module's go.mod and unpacked source are in the module cache, downloading it from the module proxy. */
export async function downloadGoModule(ref: string): Promise<{ goMod: string; dir: string }> {
  const { code, stdout, stderr } = await capture("go", ["mod", "download", "-json", ref]);
  if (code !== 0)
    throw new ImageBuildError(
      `the Go module proxy did not serve ${ref}: ${(stdout + stderr).trim().split("\n").pop()}`,
      `check access to the Go module proxy, then run ${command("images")} again`,
    );
  const info = JSON.parse(stdout) as { GoMod: string; Dir: string };
  return { goMod: info.GoMod, dir: info.Dir };
}

function goExplain(tail: string): { reason: string; fix: string } | undefined {
  if (/403 Forbidden|404 Not Found|not available/.test(tail))
    return {
      reason: "the Go module proxy refused a module the build needs",
      fix: "see the log for the module; pin a served version in the wrapper go.mod that names it (toolchain/images/artifacts/ or toolchain/engine/modules.ts)",
    };
  return undefined;
}
