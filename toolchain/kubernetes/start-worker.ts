import type { StepContext } from "../images/recipe";
import { CLUSTER_IMAGES, importImages } from "./images";
import { nodeReady } from "./kubectl";
import { nodeLayout, type ClusterLayout } from "./layout";
import type { WorkerNode } from "./network";
import { clusterBin } from "./paths";
import { containerdAnswers, healthzAnswers } from "./probes";
import { startDaemon } from "./processes";
import { waitUntil } from "./wait";
import { ensureWorkerCgroup, ensureWorkerNetwork, workerDaemonSpecs } from "./worker";
import { writeWorkerConfig } from "./write-config";

/**
 * Starts a worker node: its network namespace and cgroup, then containerd (the cluster's
 * images imported into it), the kubelet and kube-proxy inside the namespace; resolves once
 * the node is Ready and kube-proxy has written its rules.
 */
export async function startWorker(l: ClusterLayout, w: WorkerNode, cgroupVersion: 1 | 2, ctx: StepContext): Promise<void> {
  const wl = nodeLayout(l, w.label);
  const [containerd, kubelet, proxy] = workerDaemonSpecs(w, wl, clusterBin());
  await ctx.step(`node ${w.name} (network namespace ${w.netns}, pods ${w.podCidr})`, async () => {
    await ensureWorkerNetwork(w);
    ensureWorkerCgroup(w);
    writeWorkerConfig(l, wl, w, cgroupVersion);
    await startDaemon(l, containerd!);
    await waitUntil(l, () => containerdAnswers(wl), {
      what: `${containerd!.name} to answer the CRI`,
      timeoutMs: 60_000,
      watch: [containerd!.name],
      blame: containerd!.name,
    });
    await importImages(Object.values(CLUSTER_IMAGES), l.root);
    await startDaemon(l, kubelet!);
    const ready = async () => (await nodeReady(l, w.name)) === "True";
    await waitUntil(l, ready, { what: `node ${w.name} to be Ready`, timeoutMs: 180_000, watch: [containerd!.name, kubelet!.name], blame: kubelet!.name });
    await startDaemon(l, proxy!);
    const synced = () => healthzAnswers(10256, "http", w.nodeAddress);
    await waitUntil(l, synced, { what: `${proxy!.name} to sync its rules`, timeoutMs: 90_000, watch: [proxy!.name], blame: proxy!.name });
  });
}
