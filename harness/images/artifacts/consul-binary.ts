import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../cache";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../errors";
import type { StepContext } from "../recipe";
import { capture, run } from "../shell";

const MODULE = "github.com/hashicorp/consul";
/**
 * Consul's root module replaces its own sub-modules with local folders, which the
 * module proxy does not ship; these are the published versions its 1.16 line pairs with.
 * `troubleshoot` is newer because v0.3.1 lacks the `ports` package 1.16 imports.
 */
const SUBMODULES: Record<string, string> = {
  api: "v1.25.1",
  envoyextensions: "v0.4.1",
  "proto-public": "v0.4.1",
  sdk: "v0.15.0",
  troubleshoot: "v0.6.0",
};
/** Some of these versions have no checksum-database entry; the module proxy still serves them. */
const GO_ENV = { GONOSUMDB: `${MODULE}`, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };

/** Builds the Consul binary from the Go module proxy (cached by version) and returns its path. */
export async function consulBinary(ctx: StepContext): Promise<string> {
  const dir = cacheDir("consul", COMPONENTS.consul);
  const binary = join(dir, "consul");
  if (existsSync(binary)) return binary;
  const src = join(dir, "src");
  const version = `v${COMPONENTS.consul}`;
  const rootMod = await ctx.step(`download ${MODULE}@${version}`, () => downloadGoMod(`${MODULE}@${version}`));
  writeWrapperModule(src, version, readFileSync(rootMod, "utf8"));
  await ctx.step("resolve Consul's Go modules", () => run("go", ["mod", "tidy"], { cwd: src, env: GO_ENV, log: ctx.log, explain: goExplain }));
  const ldflags = [
    "-s -w",
    `-X ${MODULE}/version.Version=${COMPONENTS.consul}`,
    `-X ${MODULE}/version.VersionPrerelease=`,
  ].join(" ");
  await ctx.step(`go build consul ${version} (several minutes on 2 cores)`, () =>
    run("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", `${binary}.tmp`, MODULE], { cwd: src, env: GO_ENV, log: ctx.log, explain: goExplain }),
  );
  renameSync(`${binary}.tmp`, binary);
  return binary;
}

async function downloadGoMod(ref: string): Promise<string> {
  const { code, stdout, stderr } = await capture("go", ["mod", "download", "-json", ref]);
  if (code !== 0) {
    if (/executable file not found|ENOENT|not found/.test(stderr) && code === 127)
      throw new ImageBuildError("the Go toolchain is not installed", "install Go 1.22 or newer (Debian: apt-get install golang)");
    throw new ImageBuildError(`the Go module proxy did not serve ${ref}: ${stderr.trim().split("\n").pop()}`, "check access to the Go module proxy, then run `npm run images` again");
  }
  return (JSON.parse(stdout) as { GoMod: string }).GoMod;
}

/**
 * `go install` refuses a module with replace directives, so build through a wrapper
 * module that pins every dependency to exactly the version Consul's own go.mod names.
 */
function writeWrapperModule(src: string, version: string, rootGoMod: string): void {
  const pins = requireLines(rootGoMod).filter(([path]) => !path.startsWith(`${MODULE}/`));
  const excludes = blockLines(rootGoMod, "exclude").map((l) => l.replace(/\/\/.*$/, "").trim()).filter(Boolean);
  const subs = Object.entries(SUBMODULES);
  const goMod = [
    "module meshwright.local/consul-build",
    "",
    "go 1.22",
    "",
    "require (",
    `\t${MODULE} ${version}`,
    ...subs.map(([name, v]) => `\t${MODULE}/${name} ${v}`),
    ")",
    "",
    "exclude (",
    ...excludes.map((l) => `\t${l}`),
    ")",
    "",
    "replace (",
    ...subs.filter(([name]) => name !== "troubleshoot").map(([name, v]) => `\t${MODULE}/${name} => ${MODULE}/${name} ${v}`),
    ...pins.map(([path, v]) => `\t${path} => ${path} ${v}`),
    ")",
    "",
  ].join("\n");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "go.mod"), goMod);
  writeFileSync(join(src, "tools.go"), `//go:build tools\n\npackage tools\n\nimport _ "${MODULE}"\n`);
}

function blockLines(goMod: string, keyword: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${keyword} \\(\\n([\\s\\S]*?)^\\)`, "gm");
  for (const m of goMod.matchAll(re)) out.push(...m[1]!.split("\n").map((l) => l.trim()).filter(Boolean));
  return out;
}

function requireLines(goMod: string): [string, string][] {
  return blockLines(goMod, "require").map((l) => l.split(/\s+/) as [string, string]);
}

function goExplain(tail: string): { reason: string; fix: string } | undefined {
  if (/403 Forbidden|404 Not Found|not available/.test(tail))
    return { reason: `the Go module proxy refused a module Consul ${COMPONENTS.consul} needs`, fix: "see the log for the module; pin another served version in harness/images/artifacts/consul-binary.ts" };
  return undefined;
}
