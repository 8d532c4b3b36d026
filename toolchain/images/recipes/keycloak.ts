import { cpSync } from "node:fs";
import { join } from "node:path";
import { jdkHome, stageJdk } from "../artifacts/jdk";
import { keycloakDist } from "../artifacts/keycloak-dist";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/keycloak`: Keycloak from Maven Central, pre-built (`kc.sh build`) on Temurin. */
export const keycloak = dockerRecipe({
  name: "keycloak",
  version: `keycloak ${COMPONENTS.keycloak}`,
  inputs: () => [jdkHome()],
  async stage(dir, ctx) {
    stageJdk(dir);
    cpSync(await keycloakDist(ctx), join(dir, "keycloak"), { recursive: true });
  },
});
