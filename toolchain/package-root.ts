import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let root: string | undefined;

/**
 * The folder of meshwright's own package.json: the repository when its `.ts` files run
 * (tsx, ts-jest), the installed package when `dist/` runs from node_modules. Found by walking
 * up from this file to the first package.json named `meshwright`, so files read at run time
 * (Dockerfiles, Go sources, scripts) are found at the same relative path either way, however
 * deep the compiled file sits.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "meshwright") return (root = dir);
    if (dirname(dir) === dir) throw new Error(`meshwright: no package.json named meshwright above ${__dirname} (a broken install? reinstall meshwright)`);
  }
}

/** A path inside meshwright's package, e.g. `packagePath("toolchain", "ensure-docker.sh")`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** meshwright's own version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
}
