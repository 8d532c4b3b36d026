import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import type { StepContext } from "../recipe";
import { run } from "../../shell";

/** A Go program whose sources are in this repository (standard library only, no downloads). */
export interface LocalGoProgram {
  /** Binary and cache folder name, e.g. `workload`. */
  readonly name: string;
  /** Its own version (the cache key, with the source hash). */
  readonly version: string;
  /** Folder of its main package and go.mod. */
  readonly dir: string;
}

/** Hash of a program's Go sources (tests excluded): a changed source makes a new binary and image. */
export function goSourceHash(p: LocalGoProgram): string {
  const h = createHash("sha256");
  for (const f of readdirSync(p.dir)
    .filter((f) => /\.go$|^go\.(mod|sum)$/.test(f) && !f.endsWith("_test.go"))
    .sort())
    h.update(f).update(readFileSync(join(p.dir, f)));
  return h.digest("hex").slice(0, 16);
}

/** Builds the program with Go, static (cached by version and source hash), and returns the binary's path. */
export async function localGoBinary(ctx: StepContext, p: LocalGoProgram): Promise<string> {
  const binary = join(cacheDir(p.name, `${p.version}-${goSourceHash(p)}`), p.name);
  if (existsSync(binary)) return binary;
  await ctx.step(`go build ${p.name}`, () =>
    run("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "."], { cwd: p.dir, env: { CGO_ENABLED: "0" }, log: ctx.log }),
  );
  return binary;
}
