import { buildAll, formatTable } from "../toolchain/images/build-all";
import type { ImageName } from "../toolchain/images/components";
import { OFFICIAL_RECIPES } from "../toolchain/images/official";
import type { ImageRecipe } from "../toolchain/images/recipe";
import { OFFLINE_RECIPES } from "../toolchain/images/recipes";
import { MeshwrightError } from "../toolchain/errors";
import { duration } from "../toolchain/progress";

/** Options of `meshwright images`. */
export interface ImagesOptions {
  readonly source: string;
  readonly only?: string;
  readonly force?: boolean;
}

/** `meshwright images`: builds the missing or changed local images, then prints a table. */
export async function images(opts: ImagesOptions): Promise<void> {
  if (opts.source !== "offline" && opts.source !== "official") throw new MeshwrightError(`--source must be offline or official, not "${opts.source}"`);
  const all = opts.source === "offline" ? OFFLINE_RECIPES : OFFICIAL_RECIPES;
  const wanted = opts.only ? closure(opts.only.split(","), all) : all;
  const started = Date.now();
  console.log(`meshwright images (${opts.source}): checking ${wanted.length} images`);
  const results = await buildAll(wanted, { force: opts.force ?? false });
  const count = (s: string) => results.filter((r) => r.status === s).length;
  console.log(`\n${formatTable(results)}\n\n${count("built")} built, ${count("cached")} cached, in ${duration(Date.now() - started)}`);
}

/** The named recipes plus everything they are built from, in build order. */
export function closure(names: readonly string[], all: readonly ImageRecipe[]): readonly ImageRecipe[] {
  const unknown = names.filter((n) => !all.some((r) => r.name === n));
  if (unknown.length) throw new MeshwrightError(`unknown image ${unknown.join(", ")}`, { fix: `name one of ${all.map((r) => r.name).join(", ")}` });
  const need = new Set<ImageName>();
  const visit = (n: ImageName) => {
    if (need.has(n)) return;
    need.add(n);
    all.find((r) => r.name === n)!.needs.forEach(visit);
  };
  names.forEach((n) => visit(n as ImageName));
  return all.filter((r) => need.has(r.name));
}
