import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, freeBytes } from "../cache";
import type { ImageName } from "./components";
import { imageFingerprint, imageSize, requireDocker } from "./docker";
import { ImageBuildError } from "../errors";
import { duration, printingContext } from "../progress";
import type { ImageRecipe } from "./recipe";
import { command } from "../invocation";

/** One row of the summary table. */
export interface ImageResult {
  name: ImageName;
  tag: string;
  version: string;
  /** `built` this run, or `cached` (an image with the same fingerprint existed). */
  status: "built" | "cached";
  seconds: number;
  sizeBytes: number;
}

/** Needs at least this much free disk for a cold build (JDK, Keycloak, Go build cache, layers). */
const MIN_FREE_BYTES = 6 * 1024 ** 3;

/**
 * Builds every recipe whose image is missing or whose fingerprint changed, parents first.
 * An image's fingerprint covers its parents', so a new base rebuilds everything on top.
 */
export async function buildAll(recipes: readonly ImageRecipe[], opts: { force?: boolean; out?: (l: string) => void } = {}): Promise<ImageResult[]> {
  const out = opts.out ?? console.log;
  await requireDocker();
  const logs = join(cacheRoot(), "logs");
  mkdirSync(logs, { recursive: true });
  const fingerprint = fingerprinter(recipes);

  const results: ImageResult[] = [];
  let checkedDisk = false;
  for (const [i, r] of recipes.entries()) {
    const fp = await fingerprint(r);
    const started = Date.now();
    let status: ImageResult["status"] = "cached";
    if (opts.force || (await imageFingerprint(r.tag)) !== fp) {
      if (!checkedDisk) {
        requireDisk();
        checkedDisk = true;
      }
      out(`[${i + 1}/${recipes.length}] ${r.tag}: building (log: ${join(logs, `${r.name}.log`)})`);
      await r.build(printingContext(r.name, join(logs, `${r.name}.log`), out), fp);
      status = "built";
    }
    const seconds = (Date.now() - started) / 1000;
    out(`[${i + 1}/${recipes.length}] ${r.tag}: ${status}${status === "built" ? ` in ${duration(seconds * 1000)}` : ""}`);
    results.push({ name: r.name, tag: r.tag, version: r.version, status, seconds, sizeBytes: (await imageSize(r.tag)) ?? 0 });
  }
  return results;
}

/**
 * A function giving each recipe's fingerprint (memoized). An image's fingerprint covers its
 * parents', so a new base changes everything built on it.
 */
export function fingerprinter(recipes: readonly ImageRecipe[]): (r: ImageRecipe) => Promise<string> {
  const byName = new Map(recipes.map((r) => [r.name, r]));
  const prints = new Map<ImageName, Promise<string>>();
  const fingerprint = (r: ImageRecipe): Promise<string> => {
    const known = prints.get(r.name);
    if (known) return known;
    const fp = (async () => {
      const parents = await Promise.all(r.needs.map((n) => fingerprint(byName.get(n)!)));
      return createHash("sha256")
        .update(JSON.stringify([r.tag, ...parents, ...(await r.fingerprintInputs())]))
        .digest("hex")
        .slice(0, 20);
    })();
    prints.set(r.name, fp);
    return fp;
  };
  return fingerprint;
}

/** Whether each recipe's image is there and up to date (its fingerprint label matches), without building. */
export async function imageStates(
  recipes: readonly ImageRecipe[],
): Promise<{ recipe: ImageRecipe; state: "current" | "outdated" | "missing" | "unknown"; error?: string }[]> {
  const fingerprint = fingerprinter(recipes);
  return Promise.all(
    recipes.map(async (recipe) => {
      const label = await imageFingerprint(recipe.tag);
      if (label === undefined) return { recipe, state: "missing" as const };
      try {
        return { recipe, state: label === (await fingerprint(recipe)) ? ("current" as const) : ("outdated" as const) };
      } catch (error) {
        return { recipe, state: "unknown" as const, error: error instanceof Error ? error.message.split("\n")[0]! : String(error) };
      }
    }),
  );
}

function requireDisk(): void {
  const free = Math.min(freeBytes(cacheRoot()), freeBytes("/var/lib/docker").valueOf() || Infinity);
  if (free < MIN_FREE_BYTES)
    throw new ImageBuildError(
      `not enough disk: ${(free / 1024 ** 3).toFixed(1)} GiB free, a cold build needs ${MIN_FREE_BYTES / 1024 ** 3} GiB`,
      `free disk space (e.g. \`docker system prune\` or remove ~/.cache/meshwright/contexts), then run ${command("images")} again`,
    );
}

/** The summary table printed at the end of a run. */
export function formatTable(results: readonly ImageResult[]): string {
  const rows = [
    ["image", "version", "status", "time", "size"],
    ...results.map((r) => [r.tag, r.version, r.status, duration(r.seconds * 1000), `${(r.sizeBytes / 1e6).toFixed(0)} MB`]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
