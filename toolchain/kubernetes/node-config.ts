import { join } from "node:path";
import type { ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N, type WorkerNode } from "./network";

/**
 * The kubelet's configuration file (JSON is YAML). Choices that fit this kind of host:
 * - `failCgroupV1: false` on a cgroup v1 host: since 1.35 the kubelet refuses to start on v1 otherwise.
 * - `oomScoreAdj: 0`: these VMs refuse a negative `oom_score_adj` (the kubelet's default is -999).
 * - image garbage collection off (`imageGCHighThresholdPercent: 100`): images come from
 *   `docker save`, not a registry, so one the kubelet deleted could not be pulled back.
 * - eviction only on a nearly full disk: the disk is shared with Docker and its images.
 * - listening on loopback only; the API server reaches it as `localhost`. A worker node's
 *   listens on its namespace's address, with its pods' cgroups under its own `cgroupRoot`.
 * Pure.
 */
export function kubeletConfig(l: ClusterLayout, cgroupVersion: 1 | 2, worker?: WorkerNode): Record<string, unknown> {
  const pki = (f: string) => join(l.pki, f);
  const server = worker ? `kubelet-server-${worker.label}` : "kubelet-server";
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: worker ? worker.nodeAddress : "127.0.0.1",
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki("ca.crt") } },
    authorization: { mode: "Webhook" },
    tlsCertFile: pki(`${server}.crt`),
    tlsPrivateKeyFile: pki(`${server}.key`),
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    cgroupDriver: "cgroupfs",
    ...(worker ? { cgroupRoot: worker.cgroupRoot } : {}),
    ...(cgroupVersion === 1 ? { failCgroupV1: false } : {}),
    clusterDNS: [N.dnsServiceIp],
    clusterDomain: N.domain,
    resolvConf: "/etc/resolv.conf",
    podLogsDir: l.podLogs,
    volumePluginDir: join(l.kubeletRoot, "volume-plugins"),
    failSwapOn: false,
    oomScoreAdj: 0,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%", "nodefs.inodesFree": "2%" },
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
  };
}

/** kubelet's command line (the rest is in its configuration file). Pure. */
export function kubeletArgs(l: ClusterLayout, worker?: WorkerNode): string[] {
  return [
    `--config=${join(l.config, "kubelet.json")}`,
    `--kubeconfig=${join(l.kubeconfigs, worker ? `kubelet-${worker.label}.kubeconfig` : "kubelet.kubeconfig")}`,
    `--root-dir=${l.kubeletRoot}`,
    `--hostname-override=${worker ? worker.name : N.nodeName}`,
    ...(worker ? [`--node-ip=${worker.nodeAddress}`] : []),
    "--v=1",
  ];
}

/**
 * kube-proxy's configuration: iptables mode, and nothing that rewrites host-wide settings
 * (conntrack table sizes and timeouts stay as they are; `localhostNodePorts: false` keeps it
 * from turning on `route_localnet` for every interface), so `cluster down` has nothing of the
 * host's to restore. A worker node's runs in its namespace (its rules are that namespace's) and
 * answers health checks on the namespace's address, where the host reaches it. Node ports
 * answer on the node's bridge address only (a worker's: its namespace's address), never on
 * the host's other interfaces: a mesh's front doors (Consul's API, Keycloak) are not put on
 * the machine's network, as Docker publishes them on 127.0.0.1 only. Pure.
 */
export function kubeProxyConfig(l: ClusterLayout, worker?: WorkerNode): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: join(l.kubeconfigs, worker ? `kube-proxy-${worker.label}.kubeconfig` : "kube-proxy.kubeconfig") },
    mode: "iptables",
    clusterCIDR: N.podCidr,
    hostnameOverride: worker ? worker.name : N.nodeName,
    healthzBindAddress: `${worker ? worker.nodeAddress : "127.0.0.1"}:10256`,
    metricsBindAddress: "127.0.0.1:10249",
    oomScoreAdj: 0,
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    iptables: { localhostNodePorts: false, masqueradeAll: false },
    nodePortAddresses: [`${worker ? worker.nodeAddress : N.bridgeAddress}/32`],
  };
}

/** kube-proxy's command line. Pure. */
export function kubeProxyArgs(l: ClusterLayout): string[] {
  return [`--config=${join(l.config, "kube-proxy.json")}`];
}
