import { cpSync } from "node:fs";
import { join } from "node:path";
import { jdkHome, stageJdk } from "../artifacts/jdk";
import { keycloakDist } from "../artifacts/keycloak-dist";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { dockerRecipe } from "./docker-recipe";

async function stageKeycloak(dir: string, ctx: StepContext): Promise<void> {
  stageJdk(dir);
  cpSync(await keycloakDist(ctx), join(dir, "keycloak"), { recursive: true });
}

/**
 * `meshwright/keycloak`: Keycloak from Maven Central, pre-built (`kc.sh build --db=postgres`) on
 * Temurin, with an AOT cache trained against a throwaway `meshwright/postgres` in the build.
 */
export const keycloak = dockerRecipe({
  name: "keycloak",
  version: `keycloak ${COMPONENTS.keycloak} (postgres)`,
  needs: ["base", "postgres"],
  inputs: () => [jdkHome()],
  stage: stageKeycloak,
});

/**
 * `meshwright/keycloak:<v>-embedded`: the same, built for Keycloak's embedded dev-file database
 * (`identity.database: "embedded"`). Its first layers are the same as `keycloak`'s, which
 * Docker's build cache shares.
 */
export const keycloakEmbedded = dockerRecipe({
  name: "keycloakEmbedded",
  version: `keycloak ${COMPONENTS.keycloak} (dev-file)`,
  inputs: () => [jdkHome()],
  stage: stageKeycloak,
});
