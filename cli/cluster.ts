import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MeshwrightError } from "../toolchain/errors";
import { command } from "../toolchain/invocation";
import { duration } from "../toolchain/progress";
import {
  clusterBin,
  clusterDown,
  clusterKubeconfig,
  clusterStatus,
  clusterUp,
  ensureClusterBinaries,
  importImages,
  isHealthy,
  missingClusterBinaries,
  type DownReport,
} from "../toolchain/kubernetes";
import { ensureHostTools } from "../toolchain/kubernetes/host-tools";

type Out = (line: string) => void;

/** `meshwright cluster build`: the host tools from Debian, then whatever binaries are missing or stale. */
export async function clusterBuild(out: Out = console.log): Promise<void> {
  const started = Date.now();
  await ensureHostTools(out);
  const { built, cached } = await ensureClusterBinaries();
  for (const c of cached) out(`cluster: ${c} cached`);
  const size = binariesSize();
  out(
    built.length
      ? `cluster: built ${built.join(", ")} in ${duration(Date.now() - started)} → ${clusterBin()} (${mb(size)} in all)`
      : `cluster: everything cached, nothing built (${clusterBin()}, ${mb(size)})`,
  );
}

/** `meshwright cluster up`: builds what is missing (only the first time), then starts the cluster or finds it healthy. */
export async function clusterUpCommand(opts: { nodes: string }, out: Out = console.log): Promise<void> {
  const nodes = Number(opts.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    throw new MeshwrightError(`--nodes must be a whole number from 1 to ${MAX_NODES}, not ${JSON.stringify(opts.nodes)}`, {
      fix: `${command("cluster up")} --nodes 2`,
    });
  if (missingClusterBinaries().length) {
    out(`cluster: binaries missing; building them first (${command("cluster build")}; about 30 minutes cold on 2 cores)`);
    await clusterBuild(out);
  }
  await clusterUp({ out, nodes });
}

/** The most nodes `cluster up --nodes` starts: each worker costs about 150 MB of memory and shares the host's CPUs. */
export const MAX_NODES = 3;

/** `meshwright cluster down`: removes the cluster and says what it removed. */
export async function clusterDownCommand(out: Out = console.log): Promise<void> {
  const r = await clusterDown();
  for (const line of downLines(r)) out(`cluster: ${line}`);
  if (r.left.length)
    throw new MeshwrightError(`cluster down could not remove ${r.left.join("; ")}`, { fix: `stop what holds them, then run ${command("cluster down")} again` });
}

/** The lines `cluster down` prints for a report. Pure. */
export function downLines(r: DownReport): string[] {
  const lines = [
    r.processes.length ? `stopped ${r.processes.join(", ")}` : "",
    r.pods ? `removed ${r.pods} pod sandbox${r.pods > 1 ? "es" : ""} (and their networks)` : "",
    r.mounts ? `unmounted ${r.mounts} mount${r.mounts > 1 ? "s" : ""}` : "",
    r.chains.length ? `removed iptables chains ${r.chains.join(", ")}` : "",
    r.interfaces.length ? `removed interfaces ${r.interfaces.join(", ")}` : "",
    r.cgroups.length ? `removed cgroups ${r.cgroups.join(", ")}` : "",
    r.files.length ? `removed ${r.files.join(", ")}` : "",
  ].filter(Boolean);
  return lines.length ? lines : ["no cluster here; nothing to remove"];
}

/** `meshwright cluster status`: each process, the API server, the node, DNS, memory, the kubeconfig; exit code 1 unless healthy. */
export async function clusterStatusCommand(out: Out = console.log): Promise<void> {
  const s = await clusterStatus();
  for (const p of s.processes) out(`  ${p.name.padEnd(24)} ${p.pid === undefined ? "not running" : `running (pid ${p.pid})`}`);
  out(`  ${"api server".padEnd(24)} ${s.apiServerReady ? "ready" : "not ready"}`);
  const ready = (r: string | undefined) => (r === undefined ? "not registered" : r === "True" ? "Ready" : `Ready=${r}`);
  out(`  ${"node localhost".padEnd(24)} ${ready(s.nodeReady)}`);
  for (const w of s.workers) out(`  ${`node ${w.name}`.padEnd(24)} ${ready(w.ready)}`);
  out(`  ${"dns".padEnd(24)} ${s.dnsAnswers ? "answers" : "no answer"}`);
  out(`  ${"memory".padEnd(24)} ${mb(s.memoryBytes)} resident (processes, shims, pods)`);
  out(`  ${"kubeconfig".padEnd(24)} ${s.kubeconfigExists ? s.kubeconfig : "(none: no cluster is up)"}`);
  if (!isHealthy(s)) {
    out(`cluster: not healthy (${command("cluster up")} starts it)`);
    process.exitCode = 1;
  } else out("cluster: healthy");
}

/** `meshwright cluster kubeconfig`: the admin kubeconfig's path, or a failure when no cluster is up. */
export function clusterKubeconfigCommand(out: Out = console.log): void {
  const path = clusterKubeconfig();
  if (!existsSync(path)) throw new MeshwrightError("no local cluster is up, so it has no kubeconfig", { fix: command("cluster up") });
  out(path);
}

/** `meshwright cluster import <images...>`: local Docker images into the cluster's containerd. */
export async function clusterImportCommand(tags: string[], out: Out = console.log): Promise<void> {
  const imported = await importImages(tags);
  out(imported.length ? `cluster: imported ${imported.join(", ")}` : "cluster: every image is there already");
}

function binariesSize(): number {
  const dir = clusterBin();
  return existsSync(dir) ? readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) : 0;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}
