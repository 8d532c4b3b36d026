/**
 * A node lost under load, a proof of the Kubernetes target of targets.test.ts: the shop mesh
 * through a real `pulumi up` of KubernetesMeshStack on a two-node local cluster, placed by
 * {@link nodeLossPlacement}: every pod on the first node (`localhost`) but payment-service-2,
 * which runs on the second (its own kubelet, containerd and network namespace). Under a paced
 * stream of POST /pay from user-service-1, the second node is cut off: every packet to and from
 * it is dropped on the host, which is what the others see of a machine whose power or link is
 * gone.
 *
 * Proved, and measured:
 * - the stream fails over to payment-service-1 without operator action: it ends clean (no
 *   failure, and no answer from the lost instance, in its last {@link CLEAN_TAIL_MS} ms), and
 *   the failures before that are counted and timed (Envoy's retries and outlier detection
 *   and Consul's failure detection decide how many);
 * - the calls are then shared as Envoy's priority load says: the primaries, half healthy, keep
 *   1.4 (its overprovisioning factor) x 50% = 70%, and the failover target (the backup) takes
 *   30% (a goodness-of-fit test on the stream's clean tail);
 * - Consul marks the lost instance critical, and Kubernetes marks the node not Ready (the
 *   times are printed; neither is bounded here beyond the waits);
 * - when the node's network returns, the node is Ready again and payment-service-2 is back in
 *   rotation without a restart;
 */
import "../../harness/matchers";
import { catalogHealth } from "../../harness/probes/discovery";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic, TrafficSample } from "../../harness/probes/traffic";
import { runKubectl } from "../../harness/kubernetes/kube-container";
import type { PlannedPod } from "../../infra/kubernetes";
import { capture } from "../../toolchain/shell";
import { CLUSTER_NETWORK, clusterStateRoot, workerNode } from "../../toolchain/kubernetes";
import { nodeReady } from "../../toolchain/kubernetes/kubectl";
import { clusterLayout } from "../../toolchain/kubernetes/layout";
import type { ClusterStack } from "./cluster-stack";

const NODE2 = workerNode(2);
const LOST = "payment-service-2";
const KEPT = "payment-service-1";
const BACKUP = "payment-service-3";
/** The stream: 50 requests a second for 60 s, 4 at a time; the node is cut 5 s in. */
const LOAD = { count: 3000, qps: 50, concurrency: 4, timeoutMs: 5_000 };
const CUT_AFTER_MS = 5_000;
/** The stream's tail that must be clean: its last 20 s, so failover has 35 s. */
const CLEAN_TAIL_MS = 20_000;
const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };
/** The rules that cut the node off, tagged so that a failed run's are found and removed. */
const TAG = "meshwright e2e: node lost";
const CUT: readonly (readonly string[])[] = [
  ["FORWARD", "-i", NODE2.hostVeth],
  ["FORWARD", "-o", NODE2.hostVeth],
  ["INPUT", "-i", NODE2.hostVeth],
  ["OUTPUT", "-o", NODE2.hostVeth],
];

async function iptables(args: readonly string[]): Promise<number> {
  return (await capture("iptables", ["-w", ...args])).code;
}

async function cutNode(): Promise<void> {
  for (const rule of CUT) {
    const code = await iptables(["-I", rule[0]!, ...rule.slice(1), "-m", "comment", "--comment", TAG, "-j", "DROP"]);
    if (code !== 0) throw new Error(`iptables could not add the rule that cuts ${NODE2.name} off (${rule.join(" ")})`);
  }
}

/** Removes the rules that cut the second node off (none is an error: this is also the clean-up). */
export async function reconnectNode(): Promise<void> {
  for (const rule of CUT) while ((await iptables(["-D", rule[0]!, ...rule.slice(1), "-m", "comment", "--comment", TAG, "-j", "DROP"])) === 0);
}

/** Where the shop's pods run for {@link nodeLoss}: payment-service-2 on the second node, the rest on the first. */
export function nodeLossPlacement(pod: PlannedPod): string {
  return pod.name === LOST ? NODE2.name : CLUSTER_NETWORK.nodeName;
}

/**
 * The proof: the instances on both nodes answer; then the second node is lost under load and
 * comes back (see the file's TSDoc). Prints what it measured.
 */
export async function nodeLoss(cluster: ClusterStack): Promise<void> {
  const L = clusterLayout(clusterStateRoot());
  const pay = async (count: number, options: Partial<typeof LOAD> = {}): Promise<TrafficSample> =>
    sendTraffic(cluster.mesh, "user-service-1", "payment-service", {
      count,
      concurrency: 4,
      path: "/pay",
      method: "POST",
      headers: { authorization: `Bearer ${await cluster.mesh.tokenFor("user-service")}` },
      ...options,
    });

  // The instances run on both nodes, each answering.
  {
    const placed = JSON.parse((await runKubectl(cluster.access, ["get", "pods", "-o", "json"])).stdout) as {
      items: { metadata: { labels: Record<string, string> }; spec: { nodeName: string } }[];
    };
    const nodeOf = Object.fromEntries(placed.items.map((p) => [p.metadata.labels["io.meshwright.pod"], p.spec.nodeName]));
    expect({ [KEPT]: nodeOf[KEPT], [LOST]: nodeOf[LOST], "user-service-1": nodeOf["user-service-1"] }).toEqual({
      [KEPT]: CLUSTER_NETWORK.nodeName,
      [LOST]: NODE2.name,
      "user-service-1": CLUSTER_NETWORK.nodeName,
    });
    await eventually(async () => expect(Object.keys((await pay(40)).byInstance()).sort()).toEqual([KEPT, LOST]), {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: "both primaries answering",
    });
  }

  // Lost under load, and back.
  try {
    const load = pay(LOAD.count, LOAD);
    const calledAt = Date.now();
    await new Promise((r) => setTimeout(r, CUT_AFTER_MS));
    const cutAtMs = Date.now() - calledAt;
    await cutNode();
    // Consul's view of the lost instance, polled while the stream runs.
    let criticalAfterMs: number | undefined;
    const watchConsul = (async () => {
      while (criticalAfterMs === undefined && Date.now() - calledAt < 120_000) {
        const lost = (await catalogHealth(cluster.mesh, "payment-service")).find((i) => i.id === LOST);
        if (lost && lost.status !== "passing") criticalAfterMs = Date.now() - calledAt - cutAtMs;
        else await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const during = await load;
    await watchConsul;

    const failures = during.results.filter((r) => r.status !== 200);
    const end = Math.max(...during.results.map((r) => r.startMs + r.latencyMs));
    const tail = during.results.filter((r) => r.startMs >= end - CLEAN_TAIL_MS);
    const lastFailureMs = failures.length ? Math.round(Math.max(...failures.map((r) => r.startMs + r.latencyMs)) - cutAtMs) : 0;
    const lastLostAnswerMs = Math.round(Math.max(0, ...during.results.filter((r) => r.instance === LOST).map((r) => r.startMs + r.latencyMs - cutAtMs)));

    const notReadyAt = await eventually(
      async () => {
        const ready = await nodeReady(L, NODE2.name);
        if (ready === "True") throw new Error(`${NODE2.name} still Ready`);
        return Date.now() - calledAt - cutAtMs;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: `Kubernetes marking ${NODE2.name} not Ready` },
    );

    const reconnectedAt = Date.now();
    await reconnectNode();
    const readyAgainMs = await eventually(
      async () => {
        expect(await nodeReady(L, NODE2.name)).toBe("True");
        return Date.now() - reconnectedAt;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: `${NODE2.name} Ready again` },
    );
    const backInRotationMs = await eventually(
      async () => {
        const s = await pay(40);
        expect(s.byStatus()).toEqual({ 200: 40 });
        expect(Object.keys(s.byInstance()).sort()).toEqual([KEPT, LOST]);
        return Date.now() - reconnectedAt;
      },
      { timeoutMs: 120_000, intervalMs: 2_000, what: `${LOST} back in rotation` },
    );

    console.log(
      [
        `node lost under load: ${LOAD.count} requests at ${LOAD.qps}/s, ${LOAD.concurrency} at a time; ${NODE2.name} (running ${LOST}) cut off ${(cutAtMs / 1000).toFixed(1)} s in`,
        `  failed: ${failures.length}/${LOAD.count} ${JSON.stringify(Object.fromEntries(Object.entries(during.byStatus()).filter(([k]) => k !== "200")))}`,
        `  last failure ${lastFailureMs} ms after the cut; last answer from ${LOST} ${lastLostAnswerMs} ms after it`,
        `  answered by: ${JSON.stringify(during.byInstance())}`,
        `  Consul: ${LOST} not passing ${criticalAfterMs ?? "never (within 120 s)"} ms after the cut`,
        `  Kubernetes: ${NODE2.name} not Ready ${notReadyAt} ms after the cut`,
        `  reconnected: node Ready after ${readyAgainMs} ms, ${LOST} back in rotation after ${backInRotationMs} ms`,
      ].join("\n"),
    );

    expect(tail.length).toBeGreaterThan(0);
    expect({
      "failures in the stream's last 20 s": tail.filter((r) => r.status !== 200).length,
      "answers from the lost instance in its last 20 s": tail.filter((r) => r.instance === LOST).length,
    }).toEqual({ "failures in the stream's last 20 s": 0, "answers from the lost instance in its last 20 s": 0 });
    // Envoy's priority load: the primaries, half healthy, keep 1.4 (its overprovisioning
    // factor) x 50% = 70% of the calls, and the failover target takes the other 30%.
    expect(new TrafficSample("user-service-1", "payment-service", tail)).toMatchWeights({ [KEPT]: 7, [BACKUP]: 3 }, CONFIDENCE);
    expect(criticalAfterMs).toBeDefined();
  } finally {
    await reconnectNode();
  }
}
