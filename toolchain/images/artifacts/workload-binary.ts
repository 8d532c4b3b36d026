import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { run } from "../../shell";
import { packagePath } from "../../package-root";

/** Source folder of the test workload (a Go program, standard library only). */
export const WORKLOAD_SRC = packagePath("workload");

/** Hash of the workload's Go sources: a changed source makes a new binary and image. */
export function workloadSourceHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(WORKLOAD_SRC).filter((f) => /\.go$|^go\.(mod|sum)$/.test(f) && !f.endsWith("_test.go")).sort())
    h.update(f).update(readFileSync(join(WORKLOAD_SRC, f)));
  return h.digest("hex").slice(0, 16);
}

/** Builds the workload with Go (cached by source hash) and returns the binary's path. */
export async function workloadBinary(ctx: StepContext): Promise<string> {
  const binary = join(cacheDir("workload", `${COMPONENTS.workload}-${workloadSourceHash()}`), "workload");
  if (existsSync(binary)) return binary;
  await ctx.step("go build workload", () =>
    run("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "."], { cwd: WORKLOAD_SRC, env: { CGO_ENABLED: "0" }, log: ctx.log }),
  );
  return binary;
}
