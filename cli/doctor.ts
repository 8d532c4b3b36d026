import { statfsSync } from "node:fs";
import { cacheRoot } from "../toolchain/cache";
import { ENGINE_BINARIES, engineBin, missingBinaries } from "../toolchain/engine/paths";
import { ENGINE } from "../toolchain/engine/versions";
import { imageStates } from "../toolchain/images/build-all";
import { OFFLINE_RECIPES } from "../toolchain/images/recipes";
import { command } from "../toolchain/invocation";
import { packageVersion } from "../toolchain/package-root";
import { BUILD_TOOLS, TEST_TOOLS, testToolsNeeded } from "../toolchain/prerequisites";
import { capture } from "../toolchain/shell";

/** One line of the doctor's report. */
interface Row {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
  /** The command that provides it, when it is missing. */
  readonly fix?: string;
  /** Not ok, but nothing is missing: printed as a warning, and the doctor still passes. */
  readonly warn?: boolean;
}

/** Free disk a cold build needs (JDK, Keycloak, Go build cache, image layers). */
const COLD_BUILD_BYTES = 6 * 1024 ** 3;

/**
 * `meshwright doctor`: everything `meshwright up` and the harness need — Node, the Docker
 * engine, disk, the build tools, the images, the Pulumi engine and the browser tests'
 * Chromium — with versions. Returns false (the CLI exits 1) when anything is missing, each
 * with the command that provides it.
 * Build tools count as missing only while an image or the engine still has to be built; Chromium
 * (for the browser tests) only where playwright-core, which drives it, is installed.
 */
export async function doctor(out: (line: string) => void = console.log): Promise<boolean> {
  const rows: Row[] = [];
  const node = process.versions.node.split(".").map(Number);
  rows.push({
    what: "node",
    ok: node[0]! > 22 || (node[0] === 22 && node[1]! >= 22),
    detail: `${process.version} (${process.execPath})`,
    fix: "use Node.js 22.22 or newer (e.g. npm install --save-dev node@24; npm scripts run node_modules/.bin/node)",
  });
  rows.push({ what: "meshwright", ok: true, detail: `${packageVersion()}; cache ${cacheRoot()}` });

  const docker = await capture("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]);
  rows.push({
    what: "docker engine",
    ok: docker.code === 0,
    detail: docker.code === 0 ? docker.stdout.trim() : (docker.stderr.trim().split("\n")[0] ?? "no answer"),
    fix: command("setup"),
  });
  if (docker.code === 0) {
    const live = await capture("docker", ["info", "--format", "{{.LiveRestoreEnabled}}"]);
    const on = live.stdout.trim() === "true";
    rows.push({
      what: "docker live-restore",
      ok: on,
      warn: !on,
      detail: on
        ? "on: containers keep running while the engine restarts"
        : "off: an engine restart stops every container, and an instance's app and sidecar (sharing its network namespace) do not come back by their restart policy (moby issue 50326)",
      fix: 'add "live-restore": true to /etc/docker/daemon.json, then sudo kill -HUP $(pidof dockerd) (reloads it without a restart)',
    });
  }

  const states = docker.code === 0 ? await imageStates(OFFLINE_RECIPES) : [];
  for (const s of states)
    rows.push({
      what: `image ${s.recipe.name}`,
      ok: s.state === "current",
      detail: `${s.recipe.tag} ${s.state === "current" ? "built" : s.state === "unknown" ? `present, freshness unknown: ${s.error}` : s.state}`,
      fix: command(`images --only ${s.recipe.name}`),
    });
  const missingEngine = missingBinaries();
  rows.push({
    what: "pulumi engine",
    ok: missingEngine.length === 0,
    detail: missingEngine.length
      ? `missing ${missingEngine.join(", ")} in ${engineBin()}`
      : `pulumi v${ENGINE.pulumi}, ${ENGINE_BINARIES.slice(1).join(", ")} in ${engineBin()}`,
    fix: command("engine"),
  });

  const toBuild = states.some((s) => s.state !== "current") || missingEngine.length > 0 || docker.code !== 0;
  const free = freeBytes(cacheRoot());
  rows.push({
    what: "disk",
    ok: !toBuild || free >= COLD_BUILD_BYTES,
    detail: `${(free / 1024 ** 3).toFixed(1)} GiB free for ${cacheRoot()}${toBuild ? `; builds need ${COLD_BUILD_BYTES / 1024 ** 3} GiB` : ""}`,
    fix: "free disk space (docker system prune; old versions under the cache)",
  });
  for (const tool of BUILD_TOOLS) {
    const f = await tool.check();
    rows.push({
      what: tool.name,
      ok: f.ok || !toBuild,
      detail: f.ok ? f.detail : `${f.detail}${toBuild ? "" : " (not needed now: everything is built)"}; for ${tool.neededFor}`,
      fix: command("setup"),
    });
  }
  const testTools = testToolsNeeded();
  for (const tool of TEST_TOOLS) {
    const f = await tool.check();
    rows.push({
      what: tool.name,
      ok: f.ok || !testTools,
      detail: f.ok ? f.detail : `${f.detail}${testTools ? "" : " (not needed: playwright-core is not installed)"}; for ${tool.neededFor}`,
      fix: tool.override?.() ?? command("setup"),
    });
  }

  const width = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows)
    out(
      `${r.ok ? "ok     " : r.warn ? "warn   " : "MISSING"}  ${r.what.padEnd(width)}  ${r.detail}${r.ok ? "" : `\n         ${"".padEnd(width)}  → ${r.fix}`}`,
    );
  const missing = rows.filter((r) => !r.ok && !r.warn);
  out(missing.length ? `\n${missing.length} missing: ${[...new Set(missing.map((r) => r.fix))].join("; ")}` : "\neverything meshwright needs is here");
  return missing.length === 0;
}

function freeBytes(path: string): number {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return statfsSync("/").bavail * statfsSync("/").bsize;
  }
}
