import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { prometheusBinary } from "../artifacts/prometheus-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/prometheus`: Prometheus built from the Go module proxy, with Consul discovery. */
export const prometheus = dockerRecipe({
  name: "prometheus",
  version: `prometheus ${COMPONENTS.prometheus}`,
  async stage(dir, ctx) {
    copyFileSync(await prometheusBinary(ctx), join(dir, "prometheus"));
  },
});
