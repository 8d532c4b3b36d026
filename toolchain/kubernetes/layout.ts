import { dirname, join } from "node:path";

/** Where each part of a running cluster keeps its files: all below one state folder, but the logs. */
export interface ClusterLayout {
  /** The state folder itself (`<cache>/cluster`). */
  readonly root: string;
  /** Certificates and keys (`ca.crt`, `apiserver.crt`, …). */
  readonly pki: string;
  /** kubeconfig files, one per client (`admin.kubeconfig` is the one users get). */
  readonly kubeconfigs: string;
  /** Generated configuration (containerd's TOML, the kubelet's and kube-proxy's config, CoreDNS's manifest). */
  readonly config: string;
  /** The CNI network list containerd reads. */
  readonly cniConf: string;
  /** host-local IPAM's allocations (kept here rather than in /var/lib/cni). */
  readonly cniIpam: string;
  /** etcd's data. */
  readonly etcdData: string;
  /** The kubelet's root (`--root-dir`): pod volumes, plugins, its serving certificate. */
  readonly kubeletRoot: string;
  /** Pod logs (the kubelet's `podLogsDir`). */
  readonly podLogs: string;
  /** containerd's root (images, snapshots). */
  readonly containerdRoot: string;
  /** containerd's state (tasks, sockets, pod network namespaces). */
  readonly containerdState: string;
  /** containerd's gRPC socket. */
  readonly containerdSocket: string;
  /** runc's state of our containers (its `--root`). */
  readonly runcRoot: string;
  /** One log file per process: `<cache>/logs/cluster`, beside the state folder rather than in it, so a failed start's logs outlive the cleanup. */
  readonly logs: string;
  /** One pid file per process. */
  readonly pids: string;
}

/** The layout below `root`. Pure: nothing is created. */
export function clusterLayout(root: string): ClusterLayout {
  return {
    root,
    pki: join(root, "pki"),
    kubeconfigs: join(root, "kubeconfig"),
    config: join(root, "config"),
    cniConf: join(root, "cni", "net.d"),
    cniIpam: join(root, "cni", "ipam"),
    etcdData: join(root, "etcd"),
    kubeletRoot: join(root, "kubelet"),
    podLogs: join(root, "pod-logs"),
    containerdRoot: join(root, "containerd", "root"),
    containerdState: join(root, "containerd", "state"),
    containerdSocket: join(root, "containerd", "containerd.sock"),
    runcRoot: join(root, "containerd", "runc"),
    logs: join(dirname(root), "logs", "cluster"),
    pids: join(root, "pids"),
  };
}

/** Longest path a Unix socket may have on Linux (`sun_path` is 108 bytes with its NUL, and containerd appends `.ttrpc`). */
export const MAX_SOCKET_PATH = 100;

/** Why the layout's sockets cannot be created, or undefined when they can. */
export function socketPathProblem(layout: ClusterLayout): string | undefined {
  const longest = `${layout.containerdSocket}.ttrpc`;
  return longest.length > MAX_SOCKET_PATH
    ? `the cluster's state folder ${layout.root} is too deep for a Unix socket (${longest.length} > ${MAX_SOCKET_PATH} characters)`
    : undefined;
}

/**
 * A worker node's layout: its kubelet, containerd, CNI and configuration below
 * `<root>/<label>`; the PKI, kubeconfigs, etcd, logs and pid files shared with the first node's. Pure.
 */
export function nodeLayout(l: ClusterLayout, label: string): ClusterLayout {
  const node = clusterLayout(join(l.root, label));
  return { ...node, root: l.root, pki: l.pki, kubeconfigs: l.kubeconfigs, etcdData: l.etcdData, logs: l.logs, pids: l.pids };
}
