import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPONENTS } from "../components";
import { ImageBuildError } from "../../errors";
import { command } from "../../invocation";

/** Keycloak 26 runs on Java 21 or newer (Zipkin 3 on 17 or newer). */
export const MIN_JAVA = 21;

/** Where JDKs live on Debian (its openjdk-NN packages, and Temurin's). */
const JVM_DIR = "/usr/lib/jvm";

/**
 * The JDK the Keycloak and Zipkin images copy: `$MESHWRIGHT_JDK_HOME`; else the Temurin 25
 * of these machines; else the newest JDK of Java 21+ in /usr/lib/jvm (on a plain Debian, the
 * openjdk-21/25 package `meshwright setup` installs where apt has one). Debian's JDKs link
 * parts of themselves into /etc and /usr/share; {@link stageJdk} copies with links dereferenced,
 * so the image gets real files either way.
 */
export function findJdk(): { home: string; major: number } | undefined {
  if (process.env.MESHWRIGHT_JDK_HOME) {
    const home = process.env.MESHWRIGHT_JDK_HOME;
    return existsSync(join(home, "bin", "java")) ? { home, major: javaMajor(home) ?? MIN_JAVA } : undefined;
  }
  const candidates = [COMPONENTS.jdkHome, ...(existsSync(JVM_DIR) ? readdirSync(JVM_DIR).map((d) => join(JVM_DIR, d)) : [])];
  return candidates
    .filter((home) => existsSync(join(home, "bin", "java")))
    .map((home) => ({ home, major: javaMajor(home) ?? 0 }))
    .filter((j) => j.major >= MIN_JAVA)
    .sort((a, b) => (a.home === COMPONENTS.jdkHome ? -1 : b.home === COMPONENTS.jdkHome ? 1 : b.major - a.major))[0];
}

/** The JDK's home folder, or an error that says how to get one. */
export function jdkHome(): string {
  const jdk = findJdk();
  if (!jdk)
    throw new ImageBuildError(
      process.env.MESHWRIGHT_JDK_HOME
        ? `no JDK at MESHWRIGHT_JDK_HOME=${process.env.MESHWRIGHT_JDK_HOME}`
        : `no JDK ${MIN_JAVA}+ (Keycloak 26 needs one) in ${JVM_DIR}`,
      `${command("setup")} installs one where apt has it; else install a JDK ${MIN_JAVA} or newer and set MESHWRIGHT_JDK_HOME to its folder`,
    );
  return jdk.home;
}

/** Parts of a JDK that a server never reads at run time. */
const JDK_SKIP = new Set(["jmods", "src.zip", "man", "demo", "sample"]);

/**
 * Copies the machine's JDK ({@link jdkHome}) into `<contextDir>/jdk`, for a Dockerfile's
 * `COPY jdk /opt/java`. Links are dereferenced: Debian's Temurin links lib/security/cacerts
 * into /etc/ssl, which the image lacks (Java then finds no system truststore).
 */
export function stageJdk(contextDir: string): void {
  const jdk = jdkHome();
  cpSync(jdk, join(contextDir, "jdk"), {
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
}

/** The Java feature version from a JDK's `release` file (`JAVA_VERSION="25.0.1"` → 25). */
function javaMajor(home: string): number | undefined {
  try {
    const m = /^JAVA_VERSION="(?:1\.)?(\d+)/m.exec(readFileSync(join(home, "release"), "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
