import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../../errors";
import type { StepContext } from "../recipe";
import { capture, run } from "../../shell";
import { command } from "../../invocation";

/**
 * A minimal Debian root file system made by debootstrap (cached by release). It has
 * CA certificates (Envoy's JWKS fetch and Keycloak need them) and nothing else.
 */
export async function baseRootfs(ctx: StepContext): Promise<string> {
  const dir = cacheDir("base", COMPONENTS.debian);
  const rootfs = join(dir, "rootfs-ready");
  if (existsSync(join(rootfs, "etc", "debian_version"))) return rootfs;
  if ((await capture("debootstrap", ["--version"])).code === 127)
    throw new ImageBuildError("debootstrap is not installed", `${command("setup")} (or: apt-get install -y debootstrap)`);
  const tmp = join(dir, "rootfs-tmp");
  rmSync(tmp, { recursive: true, force: true });
  await ctx.step(`debootstrap --variant=minbase ${COMPONENTS.debian} (about a minute)`, () =>
    run("debootstrap", ["--variant=minbase", "--include=ca-certificates", COMPONENTS.debian, tmp], { log: ctx.log }),
  );
  // Package caches and docs are a third of the tree and nothing at run time reads them.
  for (const sub of ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale"])
    rmSync(join(tmp, sub), { recursive: true, force: true });
  renameSync(tmp, rootfs);
  return rootfs;
}
