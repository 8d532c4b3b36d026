import { cpSync } from "node:fs";
import { join } from "node:path";
import { prometheusRoot } from "../artifacts/prometheus-deb";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/prometheus`: the server from Debian's package. */
export const prometheus = dockerRecipe({
  name: "prometheus",
  version: `prometheus ${COMPONENTS.prometheusDeb}`,
  async stage(dir, ctx) {
    const root = await prometheusRoot(ctx);
    cpSync(join(root, "usr", "bin", "prometheus"), join(dir, "prometheus"));
    cpSync(join(root, "usr", "bin", "promtool"), join(dir, "promtool"));
  },
});
