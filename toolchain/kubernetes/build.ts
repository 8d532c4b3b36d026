import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { downloadGoModule } from "../images/artifacts/go-build";
import type { StepContext } from "../images/recipe";
import { ImageBuildError } from "../errors";
import { command } from "../invocation";
import { printingContext } from "../progress";
import { capture, run } from "../shell";
import { CLUSTER_GO_BUILDS, type ClusterGoBuild } from "./go-modules";
import { PAUSE_GO_MOD, PAUSE_SOURCE } from "./pause-source";
import { buildLog, clusterBin, kubernetesRoot } from "./paths";
import { CLUSTER_VERSIONS } from "./versions";

/** What {@link ensureClusterBinaries} did, component by component. */
export interface BuildResult {
  /** Components built now. */
  readonly built: string[];
  /** Components whose binaries were already there at their versions. */
  readonly cached: string[];
}

/** Every binary file `cluster build` puts in {@link clusterBin}. */
export const CLUSTER_BINARIES: readonly string[] = [...CLUSTER_GO_BUILDS.flatMap((b) => b.binaries.map((x) => x.name)), "pause"];

/** Binaries that are not built yet. */
export function missingClusterBinaries(): string[] {
  return CLUSTER_BINARIES.filter((b) => !existsSync(join(clusterBin(), b)));
}

/**
 * Builds whatever of the cluster is missing or stale into `<cache>/kubernetes/<version>/bin`:
 * Kubernetes, containerd, etcd, CoreDNS and crictl from the Go module proxy (each through a
 * wrapper module under `build/<component>/src`, static with CGO_ENABLED=0), and meshwright's
 * pause program. Each component is stamped with its versions in `stamps/`, so a second run
 * builds nothing. The Go module and build caches are Go's own (`go env GOMODCACHE GOCACHE`),
 * shared with the other Go builds: a module another build downloaded is not fetched twice.
 */
export async function ensureClusterBinaries(ctx: StepContext = printingContext("cluster", buildLog())): Promise<BuildResult> {
  await requireGo();
  mkdirSync(clusterBin(), { recursive: true });
  mkdirSync(join(kubernetesRoot(), "stamps"), { recursive: true });
  const built: string[] = [];
  const cached: string[] = [];
  for (const b of [...CLUSTER_GO_BUILDS, PAUSE_BUILD]) {
    if (isCurrent(b)) {
      cached.push(b.component);
      continue;
    }
    await buildComponent(ctx, b);
    writeFileSync(stampFile(b), b.stamp);
    built.push(b.component);
  }
  return { built, cached };
}

/** The pause program: Go source kept in `pause-source.ts`, standard library only. */
const PAUSE_BUILD: ClusterGoBuild = {
  component: "pause",
  stamp: `pause v${CLUSTER_VERSIONS.pause} ${createHash("sha256").update(PAUSE_SOURCE).digest("hex").slice(0, 12)}`,
  goMod: () => PAUSE_GO_MOD,
  binaries: [{ name: "pause", mainPackage: "meshwright.local/pause" }],
  ldflags: "-s -w",
};

function stampFile(b: ClusterGoBuild): string {
  return join(kubernetesRoot(), "stamps", b.component);
}

function isCurrent(b: ClusterGoBuild): boolean {
  const stamp = stampFile(b);
  return existsSync(stamp) && readFileSync(stamp, "utf8") === b.stamp && b.binaries.every((x) => existsSync(join(clusterBin(), x.name)));
}

async function buildComponent(ctx: StepContext, b: ClusterGoBuild): Promise<void> {
  const src = join(kubernetesRoot(), "build", b.component, "src");
  mkdirSync(src, { recursive: true });
  const upstream = b.upstream ? await ctx.step(`download ${b.upstream}`, () => downloadGoModule(b.upstream!)) : undefined;
  writeFileSync(join(src, "go.mod"), b.goMod(upstream ? readFileSync(upstream.goMod, "utf8") : undefined));
  if (b === PAUSE_BUILD) writeFileSync(join(src, "main.go"), PAUSE_SOURCE);
  else writeFileSync(join(src, "tools.go"), toolsGo(b));
  const env = { CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
  const opts = { cwd: src, env, log: ctx.log, explain: explainGo };
  await ctx.step(`resolve ${b.component}'s Go modules`, () => run("go", ["mod", "tidy"], opts));
  for (const [i, x] of b.binaries.entries()) {
    const target = join(clusterBin(), x.name);
    // The first binary of a module compiles most of what the others share.
    const estimate = i === 0 && b.component === "kubernetes" ? "; about 7 minutes cold on 2 cores, the others less" : "";
    await ctx.step(`go build ${x.name} (${b.component}${estimate})`, () =>
      run("go", ["build", "-trimpath", "-ldflags", b.ldflags, "-o", `${target}.tmp`, x.mainPackage], opts),
    );
    chmodSync(`${target}.tmp`, 0o755);
    renameSync(`${target}.tmp`, target);
  }
}

/** A file that imports each main package, so `go mod tidy` resolves what they need. */
function toolsGo(b: ClusterGoBuild): string {
  return `//go:build tools\n\npackage tools\n\nimport (\n${b.binaries.map((x) => `\t_ "${x.mainPackage}"`).join("\n")}\n)\n`;
}

async function requireGo(): Promise<void> {
  if ((await capture("go", ["version"])).code !== 0)
    throw new ImageBuildError("the Go toolchain is not installed", `${command("setup")} installs it; then run ${command("cluster build")} again`);
}

/** A failed go command as one line and the command to run after fixing it. */
function explainGo(tail: string): { reason: string; fix: string } {
  const again = `then run ${command("cluster build")} again`;
  if (/403 Forbidden|404 Not Found|not available|unknown revision/.test(tail))
    return {
      reason: "the Go module proxy refused a module the cluster build needs",
      fix: `pin a served version in toolchain/kubernetes/versions.ts, ${again}`,
    };
  if (/no space left on device/i.test(tail)) return { reason: "the disk is full", fix: `free disk space (Go's build cache: go clean -cache), ${again}` };
  if (/dial tcp|i\/o timeout|connection refused|could not resolve|network is unreachable/i.test(tail))
    return { reason: "the Go module proxy could not be reached", fix: `check this machine's access to the Go module proxy, ${again}` };
  if (/signal: killed|cannot allocate memory/i.test(tail))
    return { reason: "the Go compiler ran out of memory", fix: `free memory (the build needs about 3 GB), ${again}` };
  const last = tail.trim().split("\n").pop() ?? "";
  return { reason: `a Go build step of the cluster failed: ${last}`, fix: `read the log, fix the cause, ${again}` };
}
