import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture } from "../shell";
import { MeshwrightError } from "../errors";
import { kubeconfig } from "./kubeconfig";
import type { WorkerNode } from "./network";
import type { ClusterLayout } from "./layout";
import { kubeletConfig, kubeProxyConfig } from "./node-config";
import { cniConflist, containerdConfig, runcWrapper } from "./runtime-config";
import { CLUSTER_IMAGES, normalizedTag } from "./images";
import { cniBinDir } from "./host-tools";
import { corednsManifests } from "./coredns-manifests";

/** Kubeconfig file name → the certificate it authenticates with. */
const KUBECONFIGS: Record<string, string> = {
  "admin.kubeconfig": "admin",
  "controller-manager.kubeconfig": "controller-manager",
  "scheduler.kubeconfig": "scheduler",
  "kube-proxy.kubeconfig": "kube-proxy",
  "kubelet.kubeconfig": "kubelet-client",
};

/**
 * Writes every generated file of a cluster into its layout (the PKI must be there): the
 * kubeconfigs (readable by root only: they hold keys), the kubelet's and kube-proxy's
 * configuration, containerd's, the CNI network, the runc wrapper and CoreDNS's manifest.
 */
export async function writeClusterConfig(l: ClusterLayout, cgroupVersion: 1 | 2): Promise<void> {
  for (const dir of [l.kubeconfigs, l.config, l.cniConf, l.cniIpam, l.podLogs, l.kubeletRoot]) mkdirSync(dir, { recursive: true });
  for (const [file, cert] of Object.entries(KUBECONFIGS)) writeKubeconfig(l, file, cert);
  writeFileSync(join(l.config, "kubelet.json"), json(kubeletConfig(l, cgroupVersion)));
  writeFileSync(join(l.config, "kube-proxy.json"), json(kubeProxyConfig(l)));
  writeFileSync(join(l.cniConf, "10-meshwright.conflist"), json(cniConflist(l)));
  writeFileSync(join(l.config, "coredns.json"), json(corednsManifests(CLUSTER_IMAGES.coredns)));
  const wrapper = join(l.config, "runc");
  writeFileSync(wrapper, runcWrapper(await realRunc()), { mode: 0o755 });
  chmodSync(wrapper, 0o755);
  writeContainerdConfig(l, wrapper);
}

/**
 * Writes a worker node's files into its layout `wl`: its kubelet's and kube-proxy's kubeconfigs
 * (to the API server at the node's gateway address), their configuration, its CNI network
 * and its containerd's configuration (running the first node's runc wrapper).
 */
export function writeWorkerConfig(l: ClusterLayout, wl: ClusterLayout, worker: WorkerNode, cgroupVersion: 1 | 2): void {
  for (const dir of [wl.config, wl.cniConf, wl.cniIpam, wl.podLogs, wl.kubeletRoot]) mkdirSync(dir, { recursive: true });
  const server = `https://${worker.hostAddress}:6443`;
  writeKubeconfig(l, `kubelet-${worker.label}.kubeconfig`, `kubelet-client-${worker.label}`, server);
  writeKubeconfig(l, `kube-proxy-${worker.label}.kubeconfig`, "kube-proxy", server);
  writeFileSync(join(wl.config, "kubelet.json"), json(kubeletConfig(wl, cgroupVersion, worker)));
  writeFileSync(join(wl.config, "kube-proxy.json"), json(kubeProxyConfig(wl, worker)));
  writeFileSync(join(wl.cniConf, "10-meshwright.conflist"), json(cniConflist(wl, worker)));
  writeContainerdConfig(wl, join(l.config, "runc"));
}

function json(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

function writeKubeconfig(l: ClusterLayout, file: string, cert: string, server?: string): void {
  const pem = (name: string) => readFileSync(join(l.pki, name), "utf8");
  const path = join(l.kubeconfigs, file);
  writeFileSync(path, kubeconfig(cert, { caPem: pem("ca.crt"), certPem: pem(`${cert}.crt`), keyPem: pem(`${cert}.key`) }, server), { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writeContainerdConfig(l: ClusterLayout, runtimeBinary: string): void {
  const cni = cniBinDir();
  if (!cni) throw new MeshwrightError("the CNI plugins are not installed", { fix: "apt-get install containernetworking-plugins" });
  writeFileSync(join(l.config, "containerd.toml"), containerdConfig(l, { cniBinDir: cni, runtimeBinary, sandboxImage: normalizedTag(CLUSTER_IMAGES.pause) }));
}

/** The host's runc (Debian's), which the wrapper runs. */
async function realRunc(): Promise<string> {
  const r = await capture("sh", ["-c", "command -v runc"]);
  const path = r.stdout.trim();
  if (r.code !== 0 || !path) throw new MeshwrightError("runc is not installed", { fix: "apt-get install runc" });
  return path;
}
