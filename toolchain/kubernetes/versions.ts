/**
 * Versions of everything the local cluster (`meshwright cluster`) builds from the Go module
 * proxy. One place, so the cache key, the wrapper modules and the image tags cannot disagree.
 * Bumping one rebuilds only what it names: each build is stamped with its own versions.
 */
export const CLUSTER_VERSIONS = {
  /** `k8s.io/kubernetes` (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl); also the cache key. */
  kubernetes: "1.37.2",
  /**
   * The published `k8s.io/*` staging modules of the same release (`v0.<minor>.<patch>`):
   * `k8s.io/kubernetes` requires them at `v0.0.0` and replaces them with its own staging
   * folders, which the module proxy does not ship.
   */
  staging: "0.37.2",
  /** etcd (`go.etcd.io/etcd/server/v3` and `etcdctl/v3`); 3.7 is the line Kubernetes 1.37's client is built against. */
  etcd: "3.7.3",
  /** containerd 2.2 (containerd, ctr, containerd-shim-runc-v2): the CRI runtime. */
  containerd: "2.2.9",
  /** CoreDNS, the cluster's DNS (run as a pod from a locally built image). */
  coredns: "1.15.0",
  /** crictl (`sigs.k8s.io/cri-tools`): `cluster down` removes pod sandboxes through the CRI, which tears down their networks. */
  crictl: "1.37.0",
  /** meshwright's own pause program (`pause-source.ts`); bump when it changes. */
  pause: "1.0.0",
} as const;
