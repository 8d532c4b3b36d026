import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { CLUSTER_VERSIONS } from "./versions";

/** `<cache>/kubernetes/<version>`: the wrapper modules, builds and `bin/` of one Kubernetes version. */
export function kubernetesRoot(): string {
  return join(cacheRoot(), "kubernetes", CLUSTER_VERSIONS.kubernetes);
}

/** The folder of the built binaries, `<cache>/kubernetes/<version>/bin`. */
export function clusterBin(): string {
  return join(kubernetesRoot(), "bin");
}

/** Full output of `cluster build`: `<cache>/logs/kubernetes-build.log` (its folder created). */
export function buildLog(): string {
  return logFile("kubernetes-build.log");
}

/** Full output of `cluster up`/`down` steps (iptables, openssl, kubectl): `<cache>/logs/cluster.log`. */
export function clusterLog(): string {
  return logFile("cluster.log");
}

function logFile(name: string): string {
  const dir = join(cacheRoot(), "logs");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Everything a running cluster keeps: `<cache>/cluster` (`cluster down` removes it). */
export function clusterStateRoot(): string {
  return join(cacheRoot(), "cluster");
}
