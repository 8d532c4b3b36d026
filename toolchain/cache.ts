import { mkdirSync, statfsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Root of meshwright's download and build cache: `$MESHWRIGHT_CACHE` or `~/.cache/meshwright`. */
export function cacheRoot(): string {
  return process.env.MESHWRIGHT_CACHE ?? join(homedir(), ".cache", "meshwright");
}

/** A cache folder for one component at one version, created on first use. */
export function cacheDir(component: string, version: string): string {
  const dir = join(cacheRoot(), component, version);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Free bytes on the file system that holds `path`. */
export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}
