import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { reaperBinary, reaperSourceHash } from "../artifacts/reaper-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/reaper`: testcontainers' reaper (Ryuk) protocol, from toolchain/reaper. */
export const reaper = dockerRecipe({
  name: "reaper",
  version: `reaper ${COMPONENTS.reaper}`,
  inputs: () => [reaperSourceHash()],
  async stage(dir, ctx) {
    copyFileSync(await reaperBinary(ctx), join(dir, "reaper"));
  },
});
