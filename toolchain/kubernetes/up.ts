import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { MeshwrightError } from "../errors";
import { requireDocker } from "../images/docker";
import { command } from "../invocation";
import { duration, printingContext } from "../progress";
import { capture } from "../shell";
import type { StepContext } from "../images/recipe";
import { ensureBridge } from "./bridge";
import { daemonSpec } from "./daemons";
import { clusterDown } from "./down";
import { ClusterStartError, requireClusterBinaries } from "./errors";
import { addOwnChains } from "./firewall";
import { recordHostPaths } from "./host-paths";
import { ensureHostTools } from "./host-tools";
import { readRecord, writeRecord } from "./cluster-record";
import { startWorker } from "./start-worker";
import { CLUSTER_IMAGES, ensureClusterImages, importImages } from "./images";
import { adminKubeconfig, apiServerReady, kubectl, nodeReady } from "./kubectl";
import { clusterLayout, type ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N, workerNodes, type WorkerNode } from "./network";
import { clusterBin, clusterLog, clusterStateRoot } from "./paths";
import { writePki } from "./pki";
import { preflight } from "./preflight";
import { containerdAnswers, dnsAnswers, etcdHealthy, healthzAnswers } from "./probes";
import { startDaemon, type DaemonName } from "./processes";
import { clusterStatus, isHealthy } from "./status";
import { waitUntil } from "./wait";
import { writeClusterConfig } from "./write-config";

/** Options of {@link clusterUp}. */
export interface ClusterUpOptions {
  /** Where progress lines go. @default console.log */
  readonly out?: (line: string) => void;
  /** The state folder. @default `<cache>/cluster` */
  readonly stateRoot?: string;
  /**
   * How many nodes: 1, or more for worker nodes beside the first, each a kubelet, containerd
   * and kube-proxy in a network namespace of its own (see {@link workerNode}). @default 1
   */
  readonly nodes?: number;
}

/** What {@link clusterUp} did. */
export interface ClusterUpResult {
  /** The admin kubeconfig. */
  readonly kubeconfig: string;
  /** True when a healthy cluster was already running and nothing was changed. */
  readonly alreadyUp: boolean;
  /** How long it took until the node was Ready and DNS answered. */
  readonly elapsedMs: number;
}

/**
 * Starts a Kubernetes cluster on this host (root needed) from the binaries `cluster build`
 * made: etcd, the API server, controller-manager and scheduler on loopback, containerd with
 * the runc wrapper, the kubelet (node `localhost`), kube-proxy (iptables) and CoreDNS as a
 * pod; with `nodes` above 1, worker nodes in network namespaces of their own
 * ({@link startWorker}). Resolves once every node is Ready and DNS answers. Idempotent: a healthy
 * cluster is left as it is; an unhealthy one is removed and started afresh. A start that
 * fails removes everything it started (as `cluster down` does) and throws a
 * {@link ClusterStartError} with one line of cause and its fix.
 */
export async function clusterUp(opts: ClusterUpOptions = {}): Promise<ClusterUpResult> {
  const out = opts.out ?? console.log;
  const stateRoot = opts.stateRoot ?? clusterStateRoot();
  const l = clusterLayout(stateRoot);
  const started = Date.now();
  const nodes = opts.nodes ?? 1;
  const workers = workerNodes(nodes);
  requireClusterBinaries();
  await ensureHostTools(out);
  const before = await clusterStatus(stateRoot);
  if (isHealthy(before) && readRecord(l).nodes === nodes) {
    out(`cluster: already up and healthy; nothing changed (kubeconfig: ${before.kubeconfig})`);
    return { kubeconfig: before.kubeconfig, alreadyUp: true, elapsedMs: Date.now() - started };
  }
  if (before.processes.some((p) => p.pid !== undefined) || existsSync(stateRoot)) {
    const stopped = before.processes.filter((p) => p.pid === undefined).map((p) => p.name);
    const why = isHealthy(before) ? `it has ${readRecord(l).nodes} node(s), not ${nodes}` : stopped.length ? `${stopped.join(", ")} not running` : "not ready";
    out(`cluster: an earlier cluster does not fit (${why}); removing it first`);
    await clusterDown(stateRoot);
  }
  const { cgroupVersion } = await preflight(l);
  await requireDocker();
  await ensureClusterImages(clusterLog(), out);
  const ctx = printingContext("cluster", clusterLog(), out);
  try {
    await start(l, cgroupVersion, ctx, workers);
    for (const w of workers) await startWorker(l, w, cgroupVersion, ctx);
  } catch (error) {
    out("cluster: the start failed; removing what it started …");
    await clusterDown(stateRoot).catch(() => undefined);
    throw asStartError(error);
  }
  const elapsedMs = Date.now() - started;
  const names = [N.nodeName, ...workers.map((w) => w.name)];
  out(`cluster: node${names.length > 1 ? "s" : ""} ${names.join(", ")} Ready and DNS answering in ${duration(elapsedMs)}`);
  out(`cluster: kubeconfig ${adminKubeconfig(l)}`);
  return { kubeconfig: adminKubeconfig(l), alreadyUp: false, elapsedMs };
}

async function start(l: ClusterLayout, cgroupVersion: 1 | 2, ctx: StepContext, workers: readonly WorkerNode[]): Promise<void> {
  const log = clusterLog();
  const run = (name: DaemonName) => startDaemon(l, daemonSpec(name, l, clusterBin()));
  await ctx.step("certificates and configuration", async () => {
    await writePki(l.pki, log, workers);
    await writeClusterConfig(l, cgroupVersion);
    recordHostPaths(l);
    writeRecord(l, { nodes: workers.length + 1 });
  });
  await ctx.step(`pod network (bridge ${N.bridge}, iptables chains MESHWRIGHT-CLUSTER-*)`, async () => {
    await ensureBridge();
    await addOwnChains((line) => appendFileSync(log, `${line}\n`));
  });
  await ctx.step("etcd", async () => {
    await run("etcd");
    await waitUntil(l, () => etcdHealthy(l), { what: "etcd to report healthy", timeoutMs: 60_000, watch: ["etcd"], blame: "etcd" });
  });
  await ctx.step("kube-apiserver", async () => {
    await run("kube-apiserver");
    const watch: DaemonName[] = ["etcd", "kube-apiserver"];
    await waitUntil(l, () => apiServerReady(l), { what: "the API server to answer /readyz", timeoutMs: 180_000, watch, blame: "kube-apiserver" });
  });
  await ctx.step("kube-controller-manager and kube-scheduler", async () => {
    await run("kube-controller-manager");
    await run("kube-scheduler");
    const watch: DaemonName[] = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];
    await waitUntil(l, () => healthzAnswers(10257), { what: "the controller-manager's /healthz", timeoutMs: 90_000, watch, blame: "kube-controller-manager" });
    await waitUntil(l, () => healthzAnswers(10259), { what: "the scheduler's /healthz", timeoutMs: 90_000, watch, blame: "kube-scheduler" });
  });
  await ctx.step("containerd", async () => {
    await run("containerd");
    await waitUntil(l, () => containerdAnswers(l), { what: "containerd to answer the CRI", timeoutMs: 60_000, watch: ["containerd"], blame: "containerd" });
    await importImages(Object.values(CLUSTER_IMAGES), l.root);
  });
  await ctx.step(`kubelet (node ${N.nodeName})`, async () => {
    await run("kubelet");
    const ready = async () => (await nodeReady(l, N.nodeName)) === "True";
    await waitUntil(l, ready, {
      what: `node ${N.nodeName} to be Ready`,
      timeoutMs: 180_000,
      watch: ["kube-apiserver", "containerd", "kubelet"],
      blame: "kubelet",
    });
  });
  await ctx.step("kube-proxy", async () => {
    await run("kube-proxy");
    await waitUntil(l, () => healthzAnswers(10256, "http"), {
      what: "kube-proxy to sync its rules",
      timeoutMs: 90_000,
      watch: ["kube-proxy"],
      blame: "kube-proxy",
    });
  });
  await ctx.step("CoreDNS", async () => {
    const applied = await kubectl(l, ["apply", "--server-side", "--force-conflicts", "-f", join(l.config, "coredns.json")], undefined, 60_000);
    if (applied.code !== 0) throw new ClusterStartError(`kubectl apply of CoreDNS failed: ${applied.stderr.trim().split("\n").pop() ?? ""}`, { log });
    const watch: DaemonName[] = ["kube-apiserver", "containerd", "kubelet", "kube-proxy"];
    await waitUntil(l, dnsAnswers, { what: `CoreDNS to answer at ${N.dnsServiceIp}`, timeoutMs: 180_000, watch, blame: "kubelet" }).catch(
      async (e: unknown) => {
        throw await withPodState(l, e);
      },
    );
  });
}

/** Adds what the CoreDNS pod reports (e.g. an image that is not there) to a DNS timeout. */
async function withPodState(l: ClusterLayout, error: unknown): Promise<unknown> {
  if (!(error instanceof ClusterStartError)) return error;
  const pods = await kubectl(l, [
    "-n",
    "kube-system",
    "get",
    "pods",
    "-l",
    "k8s-app=kube-dns",
    "-o",
    "jsonpath={range .items[*].status.containerStatuses[*]}{.state}{end}",
  ]);
  const events = await capture(join(clusterBin(), "kubectl"), [
    "--kubeconfig",
    adminKubeconfig(l),
    "-n",
    "kube-system",
    "get",
    "events",
    "--sort-by=.lastTimestamp",
    "-o",
    "custom-columns=R:.reason,M:.message",
    "--no-headers",
  ]);
  const lastEvent = events.stdout.trim().split("\n").pop() ?? "";
  return new ClusterStartError(`${error.reason}; CoreDNS pod state ${pods.stdout.trim() || "(no pod)"}; last event: ${lastEvent}`, {
    ...(error.fix ? { fix: error.fix } : {}),
    ...(error.log ? { log: error.log } : {}),
  });
}

/** Any failure of a start as a {@link ClusterStartError}: meshwright's own errors keep their cause and fix. */
function asStartError(error: unknown): MeshwrightError {
  if (error instanceof MeshwrightError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ClusterStartError(`the cluster could not start: ${message.split("\n")[0]}`, {
    fix: `read ${clusterLog()} and the logs in ${clusterLayout(clusterStateRoot()).logs}, fix the cause, then run ${command("cluster up")} again`,
    cause: error,
  });
}
