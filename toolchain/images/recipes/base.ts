import { spawn } from "node:child_process";
import { COMPONENTS, IMAGE_TAGS } from "../components";
import { FINGERPRINT_LABEL } from "../docker";
import { baseRootfs } from "../artifacts/base-rootfs";
import type { ImageRecipe } from "../recipe";
import { run } from "../../shell";

/** `meshwright/base`: Debian minbase, imported from a debootstrap tree (no registry needed). */
export const base: ImageRecipe = {
  name: "base",
  tag: IMAGE_TAGS.base,
  version: `debian ${COMPONENTS.debian}`,
  needs: [],
  async fingerprintInputs() {
    return [COMPONENTS.debian, "minbase+ca-certificates"];
  },
  async build(ctx, fingerprint) {
    const rootfs = await baseRootfs(ctx);
    await ctx.step(`docker import ${IMAGE_TAGS.base}`, async () => {
      const tar = spawn("tar", ["-C", rootfs, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
      // An imported image has no ENV or CMD; set the ones every image relies on.
      await run(
        "docker",
        [
          "import",
          "--change",
          "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "--change",
          "ENV LANG=C.UTF-8",
          "--change",
          `LABEL ${FINGERPRINT_LABEL}=${fingerprint}`,
          "--change",
          'CMD ["/bin/bash"]',
          "-",
          IMAGE_TAGS.base,
        ],
        { log: ctx.log, input: tar.stdout },
      );
    });
  },
};
