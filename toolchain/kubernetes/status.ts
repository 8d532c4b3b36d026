import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { cgroupProcs, kubepodsCgroups } from "./cgroups";
import { adminKubeconfig, apiServerReady, nodeReady } from "./kubectl";
import { readRecord } from "./cluster-record";
import { clusterLayout, nodeLayout } from "./layout";
import { CLUSTER_NETWORK as N, workerNodes } from "./network";
import { clusterBin, clusterStateRoot } from "./paths";
import { dnsAnswers } from "./probes";
import { DAEMONS, processesFrom, runningPid, type DaemonName } from "./processes";
import { workerCgroups, workerDaemonSpecs } from "./worker";

/** The state of a local cluster, as `cluster status` prints it. */
export interface ClusterStatus {
  /** The admin kubeconfig (present only while a cluster is up). */
  readonly kubeconfig: string;
  readonly kubeconfigExists: boolean;
  /** Each process (a worker's with its node's label, `kubelet-node2`) and its pid, or undefined when it does not run. */
  readonly processes: readonly { readonly name: string; readonly pid: number | undefined }[];
  readonly apiServerReady: boolean;
  /** The first node's Ready condition, or undefined when it is not registered. */
  readonly nodeReady: string | undefined;
  /** Each worker node's name and Ready condition (empty for a one-node cluster). */
  readonly workers: readonly { readonly name: string; readonly ready: string | undefined }[];
  readonly dnsAnswers: boolean;
  /** Resident memory of the cluster's processes, shims and pods, in bytes. */
  readonly memoryBytes: number;
}

/** Whether a status is a whole, working cluster: every process runs, the API server is ready, every node Ready, DNS answering. Pure. */
export function isHealthy(s: ClusterStatus): boolean {
  return (
    s.processes.every((p) => p.pid !== undefined) && s.apiServerReady && s.nodeReady === "True" && s.workers.every((w) => w.ready === "True") && s.dnsAnswers
  );
}

/** Reads the state of the cluster below `stateRoot` (asks the API server and DNS only when the processes run). */
export async function clusterStatus(stateRoot: string = clusterStateRoot()): Promise<ClusterStatus> {
  const l = clusterLayout(stateRoot);
  const workers = workerNodes(readRecord(l).nodes);
  const names = [...DAEMONS, ...workers.flatMap((w) => workerDaemonSpecs(w, nodeLayout(l, w.label), clusterBin()).map((d) => d.name))];
  const processes = names.map((name) => ({ name, pid: runningPid(l, name, clusterBin()) }));
  const running = (n: DaemonName) => processes.find((p) => p.name === n)!.pid !== undefined;
  const api = running("kube-apiserver") && existsSync(adminKubeconfig(l)) && (await apiServerReady(l));
  return {
    kubeconfig: adminKubeconfig(l),
    kubeconfigExists: existsSync(adminKubeconfig(l)),
    processes,
    apiServerReady: api,
    nodeReady: api ? await nodeReady(l, N.nodeName) : undefined,
    workers: await Promise.all(workers.map(async (w) => ({ name: w.name, ready: api ? await nodeReady(l, w.name) : undefined }))),
    dnsAnswers: running("kube-proxy") ? await dnsAnswers() : false,
    memoryBytes: clusterMemory(),
  };
}

/** Resident memory (VmRSS) of every process of the cluster: its binaries, containerd's shims and every pod's processes. */
export function clusterMemory(): number {
  const cgroups = [...kubepodsCgroups(), ...workerCgroups()];
  const pids = new Set([...processesFrom(join(cacheRoot(), "kubernetes")).map((p) => p.pid), ...cgroups.flatMap(cgroupProcs)]);
  let total = 0;
  for (const pid of pids) {
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}
