import { existsSync } from "node:fs";
import { join } from "node:path";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../../errors";

/** The machine's Temurin 25 JDK, which Keycloak 26 runs on. */
export function jdkHome(): string {
  const home = process.env.MESHWRIGHT_JDK_HOME ?? COMPONENTS.jdkHome;
  if (!existsSync(join(home, "bin", "java")))
    throw new ImageBuildError(`no JDK 21+ at ${home}`, "install a JDK 21 or newer and set MESHWRIGHT_JDK_HOME to its folder");
  return home;
}
