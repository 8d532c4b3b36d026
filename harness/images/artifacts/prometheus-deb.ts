import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../cache";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { run } from "../shell";

/** Fetches Debian's `prometheus` package (cached by version) and returns its unpacked root. */
export async function prometheusRoot(ctx: StepContext): Promise<string> {
  const dir = cacheDir("prometheus", COMPONENTS.prometheusDeb);
  const root = join(dir, "root");
  if (existsSync(join(root, "usr", "bin", "prometheus"))) return root;
  await ctx.step(`apt-get download prometheus=${COMPONENTS.prometheusDeb}`, () =>
    run("apt-get", ["download", `prometheus=${COMPONENTS.prometheusDeb}`], {
      cwd: dir,
      log: ctx.log,
      explain: (t) => (/Unable to locate|Can't find a source|not found/i.test(t) ? { reason: `apt does not know prometheus ${COMPONENTS.prometheusDeb}`, fix: "apt-get update, then run `npm run images` again" } : undefined),
    }),
  );
  const deb = readdirSync(dir).find((f) => f.startsWith("prometheus_") && f.endsWith(".deb"))!;
  const tmp = join(dir, "unpack");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await ctx.step("unpack the package", () => run("dpkg-deb", ["-x", join(dir, deb), tmp], { log: ctx.log }));
  renameSync(tmp, root);
  return root;
}
