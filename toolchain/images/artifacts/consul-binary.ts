import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../../errors";
import type { StepContext } from "../recipe";
import { downloadGoModule, goModuleBinary } from "./go-build";

const MODULE = "github.com/hashicorp/consul";

/** Builds Consul from the Go module proxy (cached by version) and returns the binary's path. */
export async function consulBinary(ctx: StepContext): Promise<string> {
  const version = `v${COMPONENTS.consul}`;
  const root = await ctx.step(`download ${MODULE}@${version}`, () => downloadGoModule(`${MODULE}@${version}`));
  assertMplLicensed(`${MODULE}@${version}`, root.dir);
  return goModuleBinary(ctx, {
    component: "consul",
    version: COMPONENTS.consul,
    mainPackage: MODULE,
    goMod: wrapperGoMod(version, readFileSync(root.goMod, "utf8")),
    // Some of Consul's dependencies (e.g. hcp-sdk-go v0.55.0) have no checksum-database entry;
    // Consul's own go.sum vouches for them.
    goSum: readFileSync(join(root.dir, "go.sum"), "utf8"),
    ldflags: `-s -w -X ${MODULE}/version.Version=${COMPONENTS.consul} -X ${MODULE}/version.VersionPrerelease=`,
    // Some sub-module versions have no checksum-database entry; the module proxy still serves them.
    env: { GONOSUMDB: MODULE },
  });
}

/**
 * HashiCorp relicensed Consul under the BSL from the releases after August 2023 on, patch
 * releases of the 1.16 line included (v1.16.6 ships the BSL text). A version bump that
 * crossed that line must fail here, not ship.
 */
export function assertMplLicensed(ref: string, moduleDir: string): void {
  const licence = readFileSync(join(moduleDir, "LICENSE"), "utf8").slice(0, 400);
  if (!/Mozilla Public License,? [vV]ersion 2\.0/.test(licence))
    throw new ImageBuildError(
      `${ref} is not under the MPL-2.0 (its LICENSE begins: ${JSON.stringify(licence.split("\n").find((l) => l.trim()) ?? "")})`,
      "pin an MPL-2.0 release in toolchain/images/components.ts (Consul v1.16.3 is the last one the Go module proxy serves)",
    );
}

/**
 * The wrapper requires Consul and the sub-modules (`api`, `sdk`, `envoyextensions`,
 * `proto-public`, `troubleshoot`) at the versions Consul's own go.mod names: its root module
 * replaces them with local folders, which the module proxy does not ship. Every other
 * dependency is pinned to exactly the version Consul's go.mod names, so module resolution
 * cannot drift to newer libraries.
 */
export function wrapperGoMod(version: string, rootGoMod: string): string {
  const required = blockLines(rootGoMod, "require").map((l) => l.split(/\s+/) as [string, string]);
  const subs = required.filter(([path]) => path.startsWith(`${MODULE}/`));
  const pins = required.filter(([path]) => !path.startsWith(`${MODULE}/`));
  const excludes = blockLines(rootGoMod, "exclude")
    .map((l) => l.replace(/\/\/.*$/, "").trim())
    .filter(Boolean);
  return [
    "module meshwright.local/consul-build",
    "",
    "go 1.22",
    "",
    "require (",
    `\t${MODULE} ${version}`,
    ...subs.map(([path, v]) => `\t${path} ${v}`),
    ")",
    "",
    "exclude (",
    ...excludes.map((l) => `\t${l}`),
    ")",
    "",
    "replace (",
    ...[...subs, ...pins].map(([path, v]) => `\t${path} => ${path} ${v}`),
    ")",
    "",
  ].join("\n");
}

function blockLines(goMod: string, keyword: string): string[] {
  const out: string[] = [];
  for (const m of goMod.matchAll(new RegExp(`^${keyword} \\(\\n([\\s\\S]*?)^\\)`, "gm")))
    out.push(
      ...m[1]!
        .split("\n")
        .map((l) => l.replace(/\/\/.*$/, "").trim())
        .filter(Boolean),
    );
  return out;
}
