import { cpSync } from "node:fs";
import { join } from "node:path";
import { jdkHome } from "../artifacts/jdk";
import { keycloakDist } from "../artifacts/keycloak-dist";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** Parts of a JDK that a server never reads at run time. */
const JDK_SKIP = new Set(["jmods", "src.zip", "man", "demo", "sample"]);

/** `meshwright/keycloak`: Keycloak from Maven Central, pre-built (`kc.sh build`) on Temurin. */
export const keycloak = dockerRecipe({
  name: "keycloak",
  version: `keycloak ${COMPONENTS.keycloak}`,
  inputs: () => [jdkHome()],
  async stage(dir, ctx) {
    const jdk = jdkHome();
    // dereference: Debian's Temurin links lib/security/cacerts into /etc/ssl, which the image lacks.
    cpSync(jdk, join(dir, "jdk"), {
      recursive: true,
      dereference: true,
      filter: (src) =>
        !JDK_SKIP.has(
          src
            .slice(jdk.length + 1)
            .split("/")
            .pop() ?? "",
        ),
    });
    cpSync(await keycloakDist(ctx), join(dir, "keycloak"), { recursive: true });
  },
});
