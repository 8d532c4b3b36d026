import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { jdkHome, stageJdk } from "../artifacts/jdk";
import { zipkinServerJar } from "../artifacts/zipkin-server";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/zipkin`: Zipkin's server jar from Maven Central on the machine's Temurin, in-memory storage. */
export const zipkin = dockerRecipe({
  name: "zipkin",
  version: `zipkin ${COMPONENTS.zipkin}`,
  inputs: () => [jdkHome()],
  async stage(dir, ctx) {
    stageJdk(dir);
    copyFileSync(await zipkinServerJar(ctx), join(dir, "zipkin.jar"));
  },
});
