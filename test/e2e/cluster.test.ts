/**
 * The local Kubernetes cluster (`meshwright cluster up|down`) on this host, end to end. A port
 * the cluster needs, taken, stops `up` before it starts anything, in one line naming the port.
 * Then the cluster comes up from nothing (the time to a Ready node with DNS answering is
 * printed), and a second `up` finds it healthy and changes nothing. A Deployment of two pods
 * of a locally built image (meshwright/workload, moved in with importImages) behind a Service:
 * a client pod resolves the Service by its DNS name and gets answers from both pods through
 * kube-proxy's rules. The memory the running cluster holds is printed. Then `down`, and nothing
 * is left: no process of the cluster's, no mount, no bridge, no iptables chain of meshwright's
 * or kube-proxy's, no kubepods cgroup, no state folder.
 *
 * A second node (`nodes: 2`): a kubelet, containerd and kube-proxy in a network namespace of
 * their own. A Deployment spread over both nodes, a client pod on the second: it finds the
 * Service by name (CoreDNS runs on the first node) and reaches the pods on both nodes, and the
 * `kubernetes` Service too; `down` removes the namespace, its veths, route and cgroups.
 *
 * Needs root and the cluster's binaries: without them it fails (never skips) naming
 * `npm run meshwright -- cluster build`. Runs under the Docker lock like every e2e file that
 * starts things on the host (images move from Docker's engine).
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { requireImages } from "../../harness";
import { eventually } from "../../harness/probes/eventually";
import { cacheRoot } from "../../toolchain/cache";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import {
  CLUSTER_NETWORK,
  clusterDown,
  clusterStateRoot,
  clusterStatus,
  clusterUp,
  ClusterStartError,
  importImages,
  requireClusterBinaries,
} from "../../toolchain/kubernetes";
import { kubepodsCgroups } from "../../toolchain/kubernetes/cgroups";
import { HOST_PATHS } from "../../toolchain/kubernetes/host-paths";
import { leftoverChains } from "../../toolchain/kubernetes/firewall";
import { kubectl } from "../../toolchain/kubernetes/kubectl";
import { clusterLayout } from "../../toolchain/kubernetes/layout";
import { mountsUnder } from "../../toolchain/kubernetes/mounts";
import { workerNode } from "../../toolchain/kubernetes/network";
import { workerCgroups } from "../../toolchain/kubernetes/worker";
import { processesFrom } from "../../toolchain/kubernetes/processes";
import { duration } from "../../toolchain/progress";

const L = clusterLayout(clusterStateRoot());
/** Which of the host folders the kubelet and containerd write to existed before the cluster. */
let hostPathsBefore: string[] = [];
/** Whether /run/netns (which `ip netns add` makes) existed before the cluster. */
let netnsFolderBefore = false;
const lines: string[] = [];
const out = (line: string) => lines.push(line);

/** kubectl as the admin; fails the test with kubectl's own words when it fails. */
async function k(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
  const r = await kubectl(L, args, input, timeoutMs);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * 40 requests from the client pod to the echo Service by its short name (the pod's DNS search
 * path), each a new connection that kube-proxy's rules send to either pod at random: all
 * answer, and both pods do (a miss is 2^-39 likely once both are in the rules). A node's
 * kube-proxy may write the second pod's rule a sync after the first's, so the sample is taken
 * again until both are there, for up to a minute: a pod never reached still fails.
 */
async function bothAnswer(pods: readonly string[]): Promise<void> {
  await eventually(
    async () => {
      const answers = await k(
        ["exec", "client", "--", "sh", "-c", "for i in $(seq 40); do workload get http://echo/ 2>/dev/null; echo; done"],
        undefined,
        120_000,
      );
      const instances = answers
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => (JSON.parse(l) as { instance: string }).instance);
      expect(instances).toHaveLength(40);
      expect(new Set(instances)).toEqual(new Set(pods));
    },
    { what: "both echo pods answering the client", timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

const ECHO = {
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "echo" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "echo" } },
        template: {
          metadata: { labels: { app: "echo" } },
          spec: {
            containers: [
              {
                name: "echo",
                image: IMAGE_TAGS.workload,
                imagePullPolicy: "Never",
                args: ["serve"],
                env: [
                  { name: "SERVICE_NAME", value: "echo" },
                  { name: "LISTEN_ADDR", value: "0.0.0.0:8080" },
                ],
                readinessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name: "echo" }, spec: { selector: { app: "echo" }, ports: [{ port: 80, targetPort: 8080 }] } },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client" },
      spec: { containers: [{ name: "client", image: IMAGE_TAGS.workload, imagePullPolicy: "Never", args: ["probe"] }] },
    },
  ],
};

describe("the local Kubernetes cluster", () => {
  beforeAll(async () => {
    // Fail, never skip: each names the command that provides what is missing.
    requireClusterBinaries();
    await requireImages([IMAGE_TAGS.workload]);
    if (process.getuid?.() !== 0) throw new Error("the cluster e2e needs root (it runs containerd, the kubelet and iptables)");
    await clusterDown();
    hostPathsBefore = HOST_PATHS.filter((p) => existsSync(p));
    netnsFolderBefore = existsSync("/run/netns");
  }, 300_000);

  afterAll(async () => {
    await clusterDown();
  }, 300_000);

  it("refuses to start, in one line naming the port and its owner, when a port it needs is taken, and leaves nothing behind", async () => {
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(6443, "127.0.0.1", r));
    try {
      const error = await clusterUp({ out }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterStartError);
      const e = error as ClusterStartError;
      expect(e.reason).toMatch(/^the cluster cannot start: port 6443 \(kube-apiserver; held by \S+ \(pid \d+\)\) is already in use on 127\.0\.0\.1$/);
      expect(e.fix).toContain("cluster down");
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    expect(existsSync(L.root)).toBe(false);
    expect(processesFrom(join(cacheRoot(), "kubernetes"))).toEqual([]);
  });

  it("comes up with a Ready node and answering DNS; a second up finds it healthy and changes nothing", async () => {
    const first = await clusterUp({ out });
    console.log(`cluster up from nothing to a Ready node with DNS: ${duration(first.elapsedMs)}\n${lines.join("\n")}`);
    expect(first.alreadyUp).toBe(false);
    expect(existsSync(first.kubeconfig)).toBe(true);
    const pids = (await clusterStatus()).processes.map((p) => p.pid);

    const second = await clusterUp({ out });
    expect(second.alreadyUp).toBe(true);
    expect(lines.at(-1)).toMatch(/already up and healthy; nothing changed/);
    expect((await clusterStatus()).processes.map((p) => p.pid)).toEqual(pids);
  }, 900_000);

  it("runs a Deployment of a locally built image behind a Service that a client pod finds by DNS name and reaches on both pods", async () => {
    expect(await importImages([IMAGE_TAGS.workload])).toEqual([IMAGE_TAGS.workload]);
    expect(await importImages([IMAGE_TAGS.workload])).toEqual([]); // already there: skipped

    await k(["apply", "--server-side", "-f", "-"], JSON.stringify(ECHO));
    await k(["rollout", "status", "deployment/echo", "--timeout=180s"], undefined, 200_000);
    await k(["wait", "--for=condition=Ready", "pod/client", "--timeout=120s"], undefined, 140_000);
    const pods = (await k(["get", "pods", "-l", "app=echo", "-o", "jsonpath={.items[*].metadata.name}"])).trim().split(" ");
    expect(pods).toHaveLength(2);

    const clusterIp = (await k(["get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const resolved = await k(["exec", "client", "--", "getent", "hosts", `echo.default.svc.${CLUSTER_NETWORK.domain}`]);
    expect(resolved.trim().split(/\s+/)[0]).toBe(clusterIp);

    // Ready pods are in the Service's EndpointSlice at once, but kube-proxy writes their rules
    // on its next sync (at least a second later): until then the ClusterIP refuses (kube-proxy's
    // REJECT for a Service without endpoints). Wait for the first answer as any client would.
    const propagation = Date.now();
    await eventually(async () => k(["exec", "client", "--", "workload", "get", "http://echo/"]), { what: "the echo Service to answer", timeoutMs: 60_000 });
    console.log(`the Service answered ${duration(Date.now() - propagation)} after the rollout was complete`);

    await bothAnswer(pods);

    const status = await clusterStatus();
    console.log(`memory held by the running cluster (processes, shims, 4 pods incl. CoreDNS): ${Math.round(status.memoryBytes / 1024 / 1024)} MB`);
  }, 600_000);

  it("down removes everything up created", async () => {
    const report = await clusterDown();
    console.log(`cluster down removed:\n${JSON.stringify(report, null, 2)}`);
    expect(report.left).toEqual([]);
    expect(report.pods).toBeGreaterThanOrEqual(4);
    expect(processesFrom(join(cacheRoot(), "kubernetes"))).toEqual([]);
    expect(mountsUnder(readFileSync("/proc/self/mountinfo", "utf8"), [L.root])).toEqual([]);
    expect(existsSync(`/sys/class/net/${CLUSTER_NETWORK.bridge}`)).toBe(false);
    expect(await leftoverChains()).toEqual([]);
    expect(kubepodsCgroups()).toEqual([]);
    expect(existsSync(L.root)).toBe(false);
    expect(HOST_PATHS.filter((p) => existsSync(p))).toEqual(hostPathsBefore);

    const again = await clusterDown();
    expect(again).toEqual({ processes: [], pods: 0, mounts: 0, chains: [], interfaces: [], cgroups: [], files: [], left: [] });
  }, 300_000);
});

describe("a second node in its own network namespace", () => {
  const node2 = workerNode(2);

  afterAll(async () => {
    await clusterDown();
  }, 300_000);

  it("comes up beside the first: both Ready, DNS answering; up with the same node count changes nothing", async () => {
    const up = await clusterUp({ out, nodes: 2 });
    console.log(`two-node cluster up from nothing to Ready nodes with DNS: ${duration(up.elapsedMs)}`);
    expect(up.alreadyUp).toBe(false);
    const status = await clusterStatus();
    expect(status.workers).toEqual([{ name: node2.name, ready: "True" }]);
    expect(status.processes.map((p) => p.name)).toEqual(expect.arrayContaining(["kubelet-node2", "containerd-node2", "kube-proxy-node2"]));
    expect((await clusterUp({ out, nodes: 2 })).alreadyUp).toBe(true);
  }, 900_000);

  it("spreads a Deployment over both nodes; a client pod on the second node finds the Service by name and reaches the pods on both", async () => {
    expect(await importImages([IMAGE_TAGS.workload])).toEqual([IMAGE_TAGS.workload]);
    const spread = structuredClone(ECHO) as { items: any[] };
    spread.items[0].spec.template.spec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "echo" } } },
    ];
    spread.items[2].spec.nodeSelector = { "kubernetes.io/hostname": node2.name };
    await k(["apply", "--server-side", "-f", "-"], JSON.stringify(spread));
    await k(["rollout", "status", "deployment/echo", "--timeout=180s"], undefined, 200_000);
    await k(["wait", "--for=condition=Ready", "pod/client", "--timeout=120s"], undefined, 140_000);
    const placed = (await k(["get", "pods", "-l", "app=echo", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName} {end}"])).trim().split(" ");
    const pods = placed.map((p) => p.split("=")[0]!);
    expect(placed.map((p) => p.split("=")[1]).sort()).toEqual([node2.name, CLUSTER_NETWORK.nodeName].sort());

    await eventually(async () => k(["exec", "client", "--", "workload", "get", "http://echo/"]), { what: "the echo Service to answer", timeoutMs: 60_000 });
    await bothAnswer(pods);
    // The kubernetes Service from the second node's pods: through its namespace's rule and the host's, to the API server on loopback.
    await k(["exec", "client", "--", "workload", "dial", `${CLUSTER_NETWORK.apiServiceIp}:443`]);
    console.log(`memory held by the two-node cluster (5 pods incl. CoreDNS): ${Math.round((await clusterStatus()).memoryBytes / 1024 / 1024)} MB`);
  }, 600_000);

  it("down removes the second node too: its namespace, veths, route and cgroups", async () => {
    const report = await clusterDown();
    expect(report.left).toEqual([]);
    expect(report.interfaces).toEqual(expect.arrayContaining([`netns ${node2.netns}`]));
    expect(processesFrom(join(cacheRoot(), "kubernetes"))).toEqual([]);
    expect(existsSync(`/run/netns/${node2.netns}`)).toBe(false);
    expect(existsSync("/run/netns")).toBe(netnsFolderBefore);
    expect(existsSync(`/sys/class/net/${node2.hostVeth}`)).toBe(false);
    expect(workerCgroups()).toEqual([]);
    expect(kubepodsCgroups()).toEqual([]);
    expect(await leftoverChains()).toEqual([]);
    expect(readFileSync("/proc/net/route", "utf8")).not.toMatch(new RegExp(node2.hostVeth));
    expect(existsSync(L.root)).toBe(false);
    expect(HOST_PATHS.filter((p) => existsSync(p))).toEqual(hostPathsBefore);
  }, 300_000);
});
