import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture } from "../shell";
import { hostCgroups, removeCgroupTree } from "./cgroups";
import { jumpRule } from "./firewall";
import { type ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N, type WorkerNode } from "./network";
import { kubeletArgs, kubeProxyArgs } from "./node-config";
import type { DaemonSpec } from "./processes";

/** The path of a worker's network namespace. */
export function netnsPath(w: WorkerNode): string {
  return `/run/netns/${w.netns}`;
}

/**
 * A worker node's processes: containerd, the kubelet and kube-proxy, each entered into the
 * node's network namespace only (`nsenter --net`), so they share the host's mounts: the
 * kubelet's volume mounts are where containerd and runc look for them. Pure.
 */
export function workerDaemonSpecs(w: WorkerNode, wl: ClusterLayout, bin: string, path: string = process.env.PATH ?? ""): DaemonSpec[] {
  const env = { PATH: `${bin}:${path}` };
  return [
    { name: `containerd-${w.label}`, binary: join(bin, "containerd"), args: ["--config", join(wl.config, "containerd.toml")], env, netns: netnsPath(w) },
    { name: `kubelet-${w.label}`, binary: join(bin, "kubelet"), args: kubeletArgs(wl, w), env, netns: netnsPath(w) },
    { name: `kube-proxy-${w.label}`, binary: join(bin, "kube-proxy"), args: kubeProxyArgs(wl), netns: netnsPath(w) },
  ];
}

/**
 * The iptables rules a worker needs on the host, added to meshwright's own chains (so `down`
 * removes them with the chains): its traffic forwarded both ways through Docker's DROP policy,
 * and its calls to the API server at its gateway address sent to 127.0.0.1:6443 (with
 * `route_localnet` on its veth, as on the first node's bridge). Pure.
 */
export function workerHostRules(w: WorkerNode): { table: string; chain: string; rule: string[] }[] {
  return [
    { table: "filter", chain: "MESHWRIGHT-CLUSTER-FWD", rule: ["-i", w.hostVeth, "-j", "ACCEPT"] },
    { table: "filter", chain: "MESHWRIGHT-CLUSTER-FWD", rule: ["-o", w.hostVeth, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"] },
    {
      table: "nat",
      chain: "MESHWRIGHT-CLUSTER-API",
      rule: ["-i", w.hostVeth, "-d", `${w.hostAddress}/32`, "-p", "tcp", "--dport", "6443", "-j", "DNAT", "--to-destination", "127.0.0.1:6443"],
    },
  ];
}

/**
 * Inside the worker's namespace, its pods' calls to the `kubernetes` ClusterIP go to the API
 * server through the host (whose own rule takes them on to loopback): that Service has no
 * endpoints, so kube-proxy would refuse them in the namespace's FORWARD chain. Pure.
 */
export function workerNamespaceRule(w: WorkerNode): string[] {
  return ["-s", N.podCidr, "-d", `${N.apiServiceIp}/32`, "-p", "tcp", "--dport", "443", "-j", "DNAT", "--to-destination", `${w.hostAddress}:6443`];
}

/** Creates the worker's namespace, veth pair, addresses and routes, its rules on the host and in the namespace. */
export async function ensureWorkerNetwork(w: WorkerNode): Promise<void> {
  const inNs = (args: string[]) => sh("ip", ["-n", w.netns, ...args]);
  if (!existsSync(netnsPath(w))) await sh("ip", ["netns", "add", w.netns]);
  if (!existsSync(`/sys/class/net/${w.hostVeth}`)) await sh("ip", ["link", "add", w.hostVeth, "type", "veth", "peer", "name", w.nodeVeth, "netns", w.netns]);
  await sh("ip", ["addr", "replace", `${w.hostAddress}/24`, "dev", w.hostVeth]);
  await sh("ip", ["link", "set", w.hostVeth, "up"]);
  writeFileSync(`/proc/sys/net/ipv4/conf/${w.hostVeth}/route_localnet`, "1");
  await inNs(["link", "set", "lo", "up"]);
  await inNs(["addr", "replace", `${w.nodeAddress}/24`, "dev", w.nodeVeth]);
  await inNs(["link", "set", w.nodeVeth, "up"]);
  await inNs(["route", "replace", "default", "via", w.hostAddress]);
  await sh("ip", ["route", "replace", w.podCidr, "via", w.nodeAddress, "dev", w.hostVeth]);
  // A new namespace forwards nothing until told; bridged pod traffic must pass its iptables too.
  await sh("nsenter", [
    `--net=${netnsPath(w)}`,
    "sh",
    "-c",
    "echo 1 > /proc/sys/net/ipv4/ip_forward; [ ! -e /proc/sys/net/bridge ] || echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables",
  ]);
  for (const r of workerHostRules(w)) await sh("iptables", ["-w", "-t", r.table, "-A", r.chain, ...r.rule]);
  const nsIptables = (args: string[]) => sh("nsenter", [`--net=${netnsPath(w)}`, "iptables", "-w", "-t", "nat", ...args]);
  await nsIptables(["-N", "MESHWRIGHT-CLUSTER-API"]);
  await nsIptables(["-A", "MESHWRIGHT-CLUSTER-API", ...workerNamespaceRule(w)]);
  await nsIptables(["-I", "PREROUTING", "1", ...jumpRule({ table: "nat", name: "MESHWRIGHT-CLUSTER-API", from: "PREROUTING", rules: [] })]);
}

/**
 * The cgroup the worker's kubelet puts its pods under (`cgroupRoot`), made in every hierarchy
 * (the kubelet refuses a root that does not exist). On v1 a new cpuset cgroup starts with no
 * CPUs and no memory nodes, so it gets its parent's.
 */
export function ensureWorkerCgroup(w: WorkerNode): void {
  for (const h of hostCgroups().hierarchies) {
    const dir = join(h, w.cgroupRoot);
    mkdirSync(dir, { recursive: true });
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      const parent = join(h, f);
      if (existsSync(parent) && !readFileSync(join(dir, f), "utf8").trim()) writeFileSync(join(dir, f), readFileSync(parent, "utf8").trim());
    }
  }
}

/** Worker namespaces on this host (`mw-node*`), whatever the state folder says. */
export function workerNamespaces(): string[] {
  return existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => /^mw-node\d$/.test(n)) : [];
}

/** The cgroups of worker kubelets (`/<hierarchy>/mw-node*`) on this host. */
export function workerCgroups(): string[] {
  return hostCgroups().hierarchies.flatMap((h) => (existsSync(h) ? readdirSync(h).filter((e) => /^mw-node\d$/.test(e)) : []).map((e) => join(h, e)));
}

/** What {@link removeWorkers} removed, by kind, and what it could not. */
export interface RemovedWorkers {
  readonly namespaces: string[];
  readonly cgroups: string[];
  readonly files: string[];
  readonly left: string[];
}

/** Deletes every worker namespace (its veth pair, bridge, routes and iptables go with it) and cgroup. */
export async function removeWorkers(): Promise<RemovedWorkers> {
  const r: RemovedWorkers = { namespaces: [], cgroups: [], files: [], left: [] };
  for (const ns of workerNamespaces()) ((await capture("ip", ["netns", "delete", ns])).code === 0 ? r.namespaces : r.left).push(`netns ${ns}`);
  // `ip netns add` made the folder and bind-mounted it onto itself; an empty one holds no one else's.
  if (r.namespaces.length && existsSync("/run/netns") && !readdirSync("/run/netns").length) {
    while ((await capture("umount", ["/run/netns"])).code === 0);
    try {
      rmdirSync("/run/netns");
      r.files.push("/run/netns");
    } catch {
      r.left.push("/run/netns (busy)");
    }
  }
  for (const dir of workerCgroups()) {
    const stuck = removeCgroupTree(dir);
    if (stuck.length) r.left.push(...stuck.map((d) => `cgroup ${d} (still has processes)`));
    else r.cgroups.push(dir);
  }
  return r;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await capture(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.trim()}`);
}
