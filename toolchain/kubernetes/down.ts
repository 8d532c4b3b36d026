import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { capture } from "../shell";
import { removeBridge } from "./bridge";
import { cgroupProcs, kubepodsCgroups, removeCgroupTree } from "./cgroups";
import { removeKubeChains, removeOwnChains } from "./firewall";
import { readRecord } from "./cluster-record";
import { clusterLayout, nodeLayout, type ClusterLayout } from "./layout";
import { workerNode, workerNodes, type WorkerNode } from "./network";
import { removeWorkers, workerCgroups, workerNamespaces } from "./worker";
import { mountsUnder, unmountAll } from "./mounts";
import { removeHostPaths } from "./host-paths";
import { clusterBin, clusterStateRoot } from "./paths";
import { alive, DAEMONS, foreignKubelet, forgetPid, processesFrom, runningPid, stopProcesses } from "./processes";

/** What `cluster down` removed, by kind; empty lists where there was nothing. */
export interface DownReport {
  readonly processes: string[];
  readonly pods: number;
  readonly mounts: number;
  readonly chains: string[];
  readonly interfaces: string[];
  readonly cgroups: string[];
  readonly files: string[];
  /** What could not be removed (each with why). */
  readonly left: string[];
}

/**
 * Removes everything `cluster up` created, in an order that leaves nothing to restart it: the
 * kubelet and kube-proxy first; then every pod sandbox through the CRI (crictl stops and
 * removes them, and the CNI plugins tear down their veths and addresses); containerd, its
 * shims and any container process still in the `kubepods` cgroups; the control plane; every
 * mount below the state folder; meshwright's iptables chains and kube-proxy's and the
 * kubelet's `KUBE-*` ones; the bridge and any veth left on it; worker nodes' network
 * namespaces (their veths, bridges and rules go with them) and cgroups; the `kubepods`
 * cgroups; the host folders `up` created; and the state folder. Processes are found by pid file and, where that is stale, by their
 * executable being in meshwright's Kubernetes folder. Idempotent: on a host with no cluster
 * it removes nothing and says so.
 */
export async function clusterDown(stateRoot: string = clusterStateRoot()): Promise<DownReport> {
  const l = clusterLayout(stateRoot);
  const binRoot = join(cacheRoot(), "kubernetes");
  const report: { -readonly [K in keyof DownReport]: DownReport[K] } = {
    processes: [],
    pods: 0,
    mounts: 0,
    chains: [],
    interfaces: [],
    cgroups: [],
    files: [],
    left: [],
  };
  const workers = presentWorkers(l);
  const nodeLayouts = [l, ...workers.map((w) => nodeLayout(l, w.label))];
  const labelled = (base: string) => [base, ...workers.map((w) => `${base}-${w.label}`)];
  // By pid file, and every process of that binary besides (a stale pid file, a worker's kubelet).
  const stop = async (bases: readonly string[], graceMs = 10_000) => {
    const names = bases.flatMap(labelled);
    const byFile = names.flatMap((n) => {
      const pid = runningPid(l, n, clusterBin());
      forgetPid(l, n);
      return pid === undefined ? [] : [{ n, pid }];
    });
    const others = processesFrom(binRoot)
      .filter((p) => bases.some((b) => p.exe.endsWith(`/${b}`)) && !byFile.some((f) => f.pid === p.pid))
      .map((p) => ({ n: p.exe.split("/").pop()!, pid: p.pid }));
    const all = [...byFile, ...others];
    await stopProcesses(
      all.map((p) => p.pid),
      graceMs,
    );
    report.processes.push(...all.map((p) => `${p.n} (pid ${p.pid})`));
  };
  await stop(["kubelet", "kube-proxy"]);
  for (const nl of nodeLayouts) report.pods += await removePods(nl);
  await stop(["containerd"]);
  const ownCgroups = foreignKubelet(binRoot) ? [] : [...kubepodsCgroups(), ...workerCgroups()];
  const shims = processesFrom(binRoot).filter((p) => p.exe.endsWith("/containerd-shim-runc-v2"));
  const containers = [...new Set(ownCgroups.flatMap(cgroupProcs))];
  await stopProcesses([...shims.map((p) => p.pid), ...containers], 3_000);
  if (shims.length) report.processes.push(`${shims.length} containerd shim${shims.length > 1 ? "s" : ""}`);
  if (containers.length) report.processes.push(`${containers.length} container process${containers.length > 1 ? "es" : ""}`);
  // Nothing of the control plane's state outlives down, so no graceful shutdown: the API server
  // alone would drain for a minute (measured: 62 s after SIGTERM with the kubelet gone).
  await stop(
    DAEMONS.filter((d) => !["kubelet", "kube-proxy", "containerd"].includes(d)),
    2_000,
  );
  const strays = processesFrom(binRoot).map((p) => p.pid);
  await stopProcesses(strays, 3_000);
  report.left.push(...strays.filter(alive).map((p) => `process ${p} (would not stop)`));

  const before = mountCount(stateRoot);
  const stillMounted = await unmountAll([stateRoot]);
  report.mounts = before - stillMounted.length;
  report.left.push(...stillMounted.map((m) => `mount ${m} (busy)`));
  report.chains.push(...(await removeOwnChains()), ...(await removeKubeChains()));
  report.interfaces.push(...(await removeBridge()));
  const gone = await removeWorkers();
  report.interfaces.push(...gone.namespaces);
  report.cgroups.push(...gone.cgroups);
  report.files.push(...gone.files);
  report.left.push(...gone.left);
  for (const dir of foreignKubelet(binRoot) ? [] : kubepodsCgroups()) {
    const left = removeCgroupTree(dir);
    if (left.length) report.left.push(...left.map((d) => `cgroup ${d} (still has processes)`));
    else report.cgroups.push(dir);
  }
  report.files.push(...removeHostPaths(l));
  if (existsSync(stateRoot) && !stillMounted.length) {
    rmSync(stateRoot, { recursive: true, force: true });
    report.files.push(stateRoot);
  }
  return report;
}

/** Stops and removes every pod sandbox through the CRI while containerd still runs, so CNI tears their networks down; returns how many there were. */
async function removePods(l: ClusterLayout): Promise<number> {
  if (!existsSync(l.containerdSocket)) return 0;
  const crictl = join(clusterBin(), "crictl");
  const endpoint = ["--runtime-endpoint", `unix://${l.containerdSocket}`, "--timeout", "30s"];
  const listed = await capture(crictl, [...endpoint, "pods", "-q"]);
  if (listed.code !== 0) return 0;
  const count = listed.stdout.split("\n").filter((s) => s.trim()).length;
  if (count) await capture(crictl, [...endpoint, "rmp", "--all", "--force"]);
  return count;
}

/** The worker nodes to remove: those the record names and those whose network namespace exists. */
function presentWorkers(l: ClusterLayout): WorkerNode[] {
  const indexes = new Set([...workerNodes(readRecord(l).nodes).map((w) => w.index), ...workerNamespaces().map((ns) => Number(ns.slice("mw-node".length)))]);
  return [...indexes].sort().map(workerNode);
}

function mountCount(root: string): number {
  return mountsUnder(readFileSync("/proc/self/mountinfo", "utf8"), [root]).length;
}
