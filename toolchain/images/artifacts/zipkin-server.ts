import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../../errors";
import type { StepContext } from "../recipe";
import { run } from "../../shell";

/**
 * Fetches Zipkin's server, the self-contained `exec` jar of `io.zipkin:zipkin-server`, from
 * Maven Central (cached by version); returns the jar's path.
 */
export async function zipkinServerJar(ctx: StepContext): Promise<string> {
  const dir = cacheDir("zipkin", COMPONENTS.zipkin);
  const jar = join(dir, `zipkin-server-${COMPONENTS.zipkin}-exec.jar`);
  if (existsSync(jar)) return jar;
  const artifact = `io.zipkin:zipkin-server:${COMPONENTS.zipkin}:jar:exec`;
  // Copied into a folder of its own and moved into place when complete, so an interrupted
  // download never leaves a jar that looks cached.
  const tmp = join(dir, "download");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await ctx.step(`mvn dependency:copy ${artifact}`, () =>
    run("mvn", ["-B", "-q", "dependency:copy", `-Dartifact=${artifact}`, `-DoutputDirectory=${tmp}`], {
      log: ctx.log,
      explain: (t) =>
        /Could not find artifact|could not be resolved/.test(t)
          ? { reason: `Maven Central did not serve ${artifact}`, fix: "pick a served version in toolchain/images/components.ts" }
          : undefined,
    }),
  );
  const copied = readdirSync(tmp).find((f) => f.endsWith(".jar"));
  if (!copied) throw new ImageBuildError(`mvn dependency:copy ${artifact} wrote no jar into ${tmp}`, "read the log, then run the build again", ctx.log);
  renameSync(join(tmp, copied), jar);
  rmSync(tmp, { recursive: true, force: true });
  return jar;
}
