/**
 * The local single-node Kubernetes cluster (`meshwright cluster build|up|down|status`): built
 * from the Go module proxy and Debian's packages, started on this host, removed without a
 * trace. A realizer uses {@link clusterKubeconfig} and {@link importImages}.
 */
import { join } from "node:path";
import { adminKubeconfig } from "./kubectl";
import { clusterLayout } from "./layout";
import { clusterStateRoot } from "./paths";

export { ensureClusterBinaries, CLUSTER_BINARIES, missingClusterBinaries, type BuildResult } from "./build";
export { clusterUp, type ClusterUpOptions, type ClusterUpResult } from "./up";
export { clusterDown, type DownReport } from "./down";
export { clusterStatus, isHealthy, type ClusterStatus } from "./status";
export { importImages, normalizedTag, CLUSTER_IMAGES, ClusterNotRunningError } from "./images";
export { ClusterStartError, ClusterBinariesMissingError, requireClusterBinaries } from "./errors";
export { CLUSTER_NETWORK, workerNode, workerNodes, type WorkerNode } from "./network";
export { CLUSTER_VERSIONS } from "./versions";
export { clusterBin, clusterStateRoot, buildLog } from "./paths";

/**
 * The folder the local cluster's meshes keep their volumes in (a realizer's `volumeRoot`):
 * under the cluster's state, so `cluster down` removes them with it, and under the user's
 * cache folder rather than one open to every user of the host.
 */
export function clusterVolumeRoot(stateRoot: string = clusterStateRoot()): string {
  return join(stateRoot, "volumes");
}

/** The admin kubeconfig of the local cluster (it exists while the cluster is up). */
export function clusterKubeconfig(stateRoot: string = clusterStateRoot()): string {
  return adminKubeconfig(clusterLayout(stateRoot));
}
