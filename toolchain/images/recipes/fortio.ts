import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fortioBinary } from "../artifacts/fortio-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/fortio`: the load generator of bench/mesh, built from the Go module proxy. */
export const fortio = dockerRecipe({
  name: "fortio",
  version: `fortio ${COMPONENTS.fortio}`,
  async stage(dir, ctx) {
    copyFileSync(await fortioBinary(ctx), join(dir, "fortio"));
  },
});
