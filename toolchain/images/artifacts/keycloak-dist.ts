import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { run } from "../../shell";

/** Fetches the Keycloak Quarkus distribution from Maven Central (cached by version); returns its unpacked folder. */
export async function keycloakDist(ctx: StepContext): Promise<string> {
  const dir = cacheDir("keycloak", COMPONENTS.keycloak);
  const home = join(dir, "keycloak");
  if (existsSync(join(home, "bin", "kc.sh"))) return home;
  const artifact = `org.keycloak:keycloak-quarkus-dist:${COMPONENTS.keycloak}:tar.gz`;
  const archive = join(dir, `keycloak-quarkus-dist-${COMPONENTS.keycloak}.tar.gz`);
  if (!existsSync(archive))
    await ctx.step(`mvn dependency:copy ${artifact}`, () =>
      run("mvn", ["-B", "-q", "dependency:copy", `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`], {
        log: ctx.log,
        explain: (t) =>
          /Could not find artifact|could not be resolved/.test(t)
            ? { reason: `Maven Central did not serve ${artifact}`, fix: "pick a served version in toolchain/images/components.ts" }
            : undefined,
      }),
    );
  const tmp = join(dir, "unpack");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await ctx.step("unpack Keycloak", () => run("tar", ["-xzf", archive, "-C", tmp, "--strip-components=1"], { log: ctx.log }));
  renameSync(tmp, home);
  return home;
}
