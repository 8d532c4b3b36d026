/**
 * The cluster's addresses. 10.244/16 and 10.96/16 stay clear of the networks Docker allocates
 * on its own (172.17–172.31/16, 192.168/16 in /20s), so pods and mesh containers can run
 * side by side on one host.
 */
export const CLUSTER_NETWORK = {
  /** All pod addresses (the controller-manager's `--cluster-cidr`, kube-proxy's `clusterCIDR`). */
  podCidr: "10.244.0.0/16",
  /** This node's share of it: the CNI bridge's subnet, gateway `.1`. */
  nodePodCidr: "10.244.0.0/24",
  /** The bridge's address (the pods' default gateway). */
  bridgeAddress: "10.244.0.1",
  /** Service (ClusterIP) addresses. */
  serviceCidr: "10.96.0.0/16",
  /** The `kubernetes` Service's ClusterIP: the first address of the service range. */
  apiServiceIp: "10.96.0.1",
  /** CoreDNS's Service (`kube-dns`), which the kubelet gives every pod as its resolver. */
  dnsServiceIp: "10.96.0.10",
  /** The cluster's DNS domain. */
  domain: "cluster.local",
  /** The CNI bridge; a name no other tool picks, so `down` knows it is ours. */
  bridge: "mw-cni0",
  /** The CNI network's name (also the prefix of host-local's and libcni's files). */
  cniNetwork: "meshwright",
  /** The node's name; the API server reaches the kubelet by it (`--kubelet-preferred-address-types=Hostname`). */
  nodeName: "localhost",
} as const;

/** Every port the cluster's processes listen on, with the process that owns it. */
export const CLUSTER_PORTS: readonly { readonly port: number; readonly owner: string }[] = [
  { port: 2379, owner: "etcd (clients)" },
  { port: 2380, owner: "etcd (peers)" },
  { port: 6443, owner: "kube-apiserver" },
  { port: 10248, owner: "kubelet (healthz)" },
  { port: 10249, owner: "kube-proxy (metrics)" },
  { port: 10250, owner: "kubelet" },
  { port: 10256, owner: "kube-proxy (healthz)" },
  { port: 10257, owner: "kube-controller-manager" },
  { port: 10259, owner: "kube-scheduler" },
];

/**
 * A node beyond the first (`cluster up --nodes 2`): its own kubelet, containerd and kube-proxy
 * in a network namespace of its own, joined to the host by a veth pair.
 */
export interface WorkerNode {
  /** 2 for the second node. */
  readonly index: number;
  /** Label of its files and processes (`node2`: `kubelet-node2.pid`, `<state>/node2/`). */
  readonly label: string;
  /**
   * The node's name: its address. The API server reaches every kubelet by its node name
   * (`--kubelet-preferred-address-types=Hostname`, which the first node, `localhost`, needs),
   * so a name that is an address needs no /etc/hosts entry.
   */
  readonly name: string;
  /** Its network namespace (`/run/netns/<netns>`). */
  readonly netns: string;
  /** The veth end on the host, and its address (the node's gateway and its way to the API server). */
  readonly hostVeth: string;
  readonly hostAddress: string;
  /** The veth end in the namespace, and its address (the node's IP). */
  readonly nodeVeth: string;
  readonly nodeAddress: string;
  /** This node's pod range and its bridge's address (inside the namespace, the bridge is `mw-cni0` too). */
  readonly podCidr: string;
  readonly bridgeAddress: string;
  /** The cgroup its kubelet's `kubepods` goes under (`cgroupRoot`), so two kubelets never manage one tree. */
  readonly cgroupRoot: string;
}

/** The `index`-th node (2 or more). Pure. */
export function workerNode(index: number): WorkerNode {
  if (!Number.isInteger(index) || index < 2 || index > 9) throw new RangeError(`a worker node's index is 2–9, not ${index}`);
  const label = `node${index}`;
  return {
    index,
    label,
    name: `10.245.${index}.2`,
    netns: `mw-${label}`,
    hostVeth: `mw-${label}-host`,
    hostAddress: `10.245.${index}.1`,
    nodeVeth: `mw-${label}`,
    nodeAddress: `10.245.${index}.2`,
    podCidr: `10.244.${index - 1}.0/24`,
    bridgeAddress: `10.244.${index - 1}.1`,
    cgroupRoot: `/mw-${label}`,
  };
}

/** The worker nodes of a cluster of `nodes` nodes. Pure. */
export function workerNodes(nodes: number): WorkerNode[] {
  return Array.from({ length: Math.max(0, nodes - 1) }, (_, i) => workerNode(i + 2));
}
