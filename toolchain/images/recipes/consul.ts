import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { consulBinary } from "../artifacts/consul-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/consul`: the Consul server and each instance's client agent. */
export const consul = dockerRecipe({
  name: "consul",
  version: `consul ${COMPONENTS.consul}`,
  async stage(dir, ctx) {
    copyFileSync(await consulBinary(ctx), join(dir, "consul"));
  },
});
