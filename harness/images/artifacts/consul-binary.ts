import { readFileSync } from "node:fs";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { downloadGoMod, goModuleBinary } from "./go-build";

const MODULE = "github.com/hashicorp/consul";
/**
 * Consul's root module replaces its own sub-modules with local folders, which the module
 * proxy does not ship; these are the published versions its 1.16 line pairs with.
 * `troubleshoot` is newer because v0.3.1 lacks the `ports` package 1.16 imports.
 */
const SUBMODULES: Record<string, string> = {
  api: "v1.25.1",
  envoyextensions: "v0.4.1",
  "proto-public": "v0.4.1",
  sdk: "v0.15.0",
  troubleshoot: "v0.6.0",
};

/** Builds Consul from the Go module proxy (cached by version) and returns the binary's path. */
export async function consulBinary(ctx: StepContext): Promise<string> {
  const version = `v${COMPONENTS.consul}`;
  const rootMod = await ctx.step(`download ${MODULE}@${version}`, () => downloadGoMod(`${MODULE}@${version}`));
  return goModuleBinary(ctx, {
    component: "consul",
    version: COMPONENTS.consul,
    mainPackage: MODULE,
    goMod: wrapperGoMod(version, readFileSync(rootMod, "utf8")),
    ldflags: `-s -w -X ${MODULE}/version.Version=${COMPONENTS.consul} -X ${MODULE}/version.VersionPrerelease=`,
    // Some sub-module versions have no checksum-database entry; the module proxy still serves them.
    env: { GONOSUMDB: MODULE },
  });
}

/**
 * The wrapper pins every dependency to exactly the version Consul's own go.mod names, so
 * the newer `troubleshoot` cannot drag newer libraries (x/exp, sdk) in with it.
 */
function wrapperGoMod(version: string, rootGoMod: string): string {
  const pins = blockLines(rootGoMod, "require").map((l) => l.split(/\s+/)).filter(([path]) => !path!.startsWith(`${MODULE}/`));
  const excludes = blockLines(rootGoMod, "exclude").map((l) => l.replace(/\/\/.*$/, "").trim()).filter(Boolean);
  const subs = Object.entries(SUBMODULES);
  return [
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
}

function blockLines(goMod: string, keyword: string): string[] {
  const out: string[] = [];
  for (const m of goMod.matchAll(new RegExp(`^${keyword} \\(\\n([\\s\\S]*?)^\\)`, "gm")))
    out.push(...m[1]!.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("//")));
  return out;
}
