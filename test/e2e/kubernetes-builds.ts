/**
 * Global setup of the `kubernetes` jest project: waits for the Kubernetes builds that `.ci/run`
 * starts in the background on a cold machine (the local cluster's binaries and Pulumi's
 * Kubernetes provider, built while the Docker e2e files run), which hold an exclusive lock on
 * {@link KUBERNETES_BUILDS_LOCK} until they end. Without such a build it returns at once; the
 * tests then fail, naming the command, if a binary is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../../toolchain/cache";

/** The lock `.ci/run`'s background build holds (`$MESHWRIGHT_CACHE` or `~/.cache/meshwright`, then this name). */
export const KUBERNETES_BUILDS_LOCK = join(cacheRoot(), "kubernetes-builds.lock");

export default function waitForKubernetesBuilds(): void {
  if (!existsSync(KUBERNETES_BUILDS_LOCK)) return;
  if (spawnSync("flock", ["--nonblock", "--shared", KUBERNETES_BUILDS_LOCK, "true"]).status === 0) return;
  const log = join(cacheRoot(), "logs", "kubernetes-builds.log");
  console.log(`waiting for the Kubernetes builds running in the background (.ci/run; log: ${log}) …`);
  const started = Date.now();
  const r = spawnSync("flock", ["--shared", KUBERNETES_BUILDS_LOCK, "true"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`could not wait for the Kubernetes builds (flock exited ${r.status}); see ${log}`);
  console.log(`the Kubernetes builds ended after ${Math.round((Date.now() - started) / 1000)} s more`);
}
