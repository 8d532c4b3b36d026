import { spawnSync } from "node:child_process";
import { MeshwrightError } from "../toolchain/errors";
import { packagePath } from "../toolchain/package-root";
import { aptUnavailable, BUILD_TOOLS, installable, TEST_TOOLS, testToolsNeeded, type Prerequisite } from "../toolchain/prerequisites";

/** What {@link setup} installs besides the build tools. */
export interface SetupOptions {
  /**
   * Also the test tools (Chromium for the browser tests) where they are needed, i.e. where
   * playwright-core is installed. `meshwright setup` (`npm run setup`, which CI runs) asks for
   * them; `meshwright up` (`npm start`) does not: a mesh needs no browser.
   */
  readonly testTools?: boolean;
}

/**
 * `meshwright setup`: installs whatever the first run needs and is missing — debootstrap, Go,
 * Maven, Python with pip, a JDK 21+, and with `testTools` Chromium where playwright-core is
 * installed — with apt-get, then makes sure a Docker engine answers (installing Debian's
 * docker.io and starting dockerd where none does). Idempotent: when all is there it only says
 * so. Where it cannot install (not root, no apt), it fails naming each missing piece and what
 * provides it.
 */
export async function setup(out: (line: string) => void = console.log, opts: SetupOptions = {}): Promise<void> {
  const testTools = opts.testTools && testToolsNeeded();
  const tools = testTools ? [...BUILD_TOOLS, ...TEST_TOOLS] : BUILD_TOOLS;
  const missing = await missingTools(tools);
  if (missing.length) await install(tools, missing, out);
  else out(`setup: build tools present (debootstrap, go, mvn, python3 with pip, JDK)${testTools ? "; test tools present (chromium)" : ""}`);
  if (opts.testTools && !testTools) out("setup: chromium not needed (playwright-core, which drives it, is not installed)");
  ensureDocker();
}

async function missingTools(tools: readonly Prerequisite[]): Promise<{ tool: Prerequisite; detail: string }[]> {
  const checks = await Promise.all(tools.map(async (tool) => ({ tool, finding: await tool.check() })));
  return checks.filter((c) => !c.finding.ok).map((c) => ({ tool: c.tool, detail: c.finding.detail }));
}

async function install(tools: readonly Prerequisite[], missing: { tool: Prerequisite; detail: string }[], out: (line: string) => void): Promise<void> {
  const cannot = aptUnavailable();
  if (cannot) {
    const sudo = cannot === "installing needs root";
    throw new MeshwrightError(`missing ${missing.map((m) => m.tool.name).join(", ")}, and ${cannot}`, {
      fix: `install each, then run setup again:${missing.map((m) => `\n    ${m.tool.name} (${m.detail}): ${sudo ? `sudo apt-get install -y ${m.tool.apt[0]!.join(" ")}` : m.tool.manual}`).join("")}`,
    });
  }
  out(`setup: missing ${missing.map((m) => m.tool.name).join(", ")}; installing with apt-get …`);
  apt(["update", "-qq"]);
  const unavailable: { tool: Prerequisite; detail: string }[] = [];
  const packages = missing.flatMap((m) => {
    const pkgs = installable(m.tool);
    if (!pkgs) unavailable.push(m);
    return pkgs ?? [];
  });
  if (packages.length) {
    apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
    out(`setup: installed ${packages.join(", ")}`);
  }
  const still = [...new Set([...unavailable, ...(await missingTools(tools))].map((m) => m.tool))];
  if (still.length)
    throw new MeshwrightError(`apt cannot provide ${still.map((t) => t.name).join(", ")} here`, {
      fix: `install each, then run setup again:${still.map((t) => `\n    ${t.name}: ${t.manual}`).join("")}`,
    });
}

function apt(args: string[]): void {
  const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0)
    throw new MeshwrightError(`apt-get ${args.join(" ")} failed (exit ${r.status ?? "signal"})`, { fix: `run apt-get ${args.join(" ")} by hand to see why` });
}

/** A Docker engine that answers: toolchain/ensure-docker.sh installs Debian's docker.io and starts dockerd where none does. */
export function ensureDocker(): void {
  const r = spawnSync("bash", [packagePath("toolchain", "ensure-docker.sh")], { stdio: "inherit" });
  if (r.status !== 0) throw new MeshwrightError("no Docker engine answers", { fix: "see the lines above (toolchain/ensure-docker.sh)" });
}
