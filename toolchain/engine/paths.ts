import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { ENGINE } from "./versions";

export { cacheRoot };

/** `~/.cache/meshwright/pulumi/<version>`: sources, builds and `bin/` of one engine version. */
export function engineRoot(): string {
  return join(cacheRoot(), "pulumi", ENGINE.pulumi);
}

/** The folder put first on PATH: `pulumi` and its plugins (`pulumi-resource-*`). */
export function engineBin(): string {
  return join(engineRoot(), "bin");
}

/**
 * The binaries an engine needs, by file name in {@link engineBin}: the CLI, the Docker provider,
 * and the launcher of Node.js dynamic providers (a script; see `dynamic-provider/`).
 */
export const ENGINE_BINARIES = ["pulumi", "pulumi-resource-docker", "pulumi-resource-pulumi-nodejs"] as const;

/** Binaries of the engine that are not built yet. */
export function missingBinaries(): string[] {
  return ENGINE_BINARIES.filter((b) => !existsSync(join(engineBin(), b)));
}

/** Local state backend folder (`file://` URL target). */
export function stateDir(): string {
  return join(cacheRoot(), "pulumi-state");
}
