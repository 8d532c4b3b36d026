/**
 * Whether a plan's pods can fit a cluster's nodes at all, checked before anything is applied:
 * pods pinned to nodes that are missing or take no pods, a pod larger than every node, and
 * pods that together outgrow the nodes. Pure; {@link readNodeCapacity} reads the nodes.
 */
import type { KubernetesManifests } from "./manifests";
import { HOSTNAME_LABEL, SERVICE_LABEL } from "./names";
import type { Container, PodSpec, WorkloadObject } from "./objects";
import { quantityMilliValue, quantityValue } from "./quantity";

/** An amount of CPU and memory: what a pod asks, or what a node can give. */
export interface CpuMemory {
  /** CPU in millicores (1000 = one core). */
  readonly cpuMillis: number;
  /** Memory in bytes. */
  readonly memoryBytes: number;
}

/** What one node can give pods, as its Node object says. */
export interface NodeCapacity {
  /** The node's name (`metadata.name`). */
  readonly name: string;
  /** Its `kubernetes.io/hostname` label, which pods are pinned by (usually its name). @default name */
  readonly hostname?: string;
  /** `status.allocatable`: what is left for pods after the system's reservations. */
  readonly allocatable: CpuMemory;
  /** `spec.unschedulable`: cordoned, so it takes no new pod. */
  readonly unschedulable: boolean;
  /** Its `Ready` condition is `True`; the scheduler places no pod on a node that is not. */
  readonly ready: boolean;
}

/**
 * Why the plan's pods cannot all run on `nodes`, one actionable line per problem (empty when
 * they fit): each names the pod, what it asks, what the cluster has, and how to fix it.
 *
 * - A pod pinned to a node (a required node affinity on `kubernetes.io/hostname`: `nodeOf`,
 *   `volumeNode`) needs that node to exist, be schedulable (not cordoned) and Ready.
 * - A pod's request ({@link podRequest}: its containers' limits, which Kubernetes takes as
 *   requests when none are given) must fit the allocatable CPU and memory of one node it may
 *   run on.
 * - All pods together must fit: packed first-fit, largest first, pinned pods first onto their
 *   node, every pod must find room; the ones that do not are named with the totals.
 *
 * Pods without limits ask nothing. This is a necessary condition, not a guarantee: what other
 * workloads (DaemonSets, other stacks, system pods) already use on the nodes is not counted,
 * nor taints, pod counts or ephemeral storage, so a plan that passes may still wait for room.
 * Only the packing is a heuristic: a plan it cannot pack might, rarely, fit in an order the
 * scheduler would not find either (it places pods one by one as they come).
 */
export function planFit(manifests: Pick<KubernetesManifests, "objects">, nodes: readonly NodeCapacity[]): string[] {
  const problems: string[] = [];
  const usable = nodes.filter(takesPods);
  const toPack: Packed[] = [];
  let noNodeForUnpinned = false;
  for (const pod of podsOf(manifests)) {
    let eligible = usable;
    if (pod.pinnedTo) {
      const named = nodes.filter((n) => pod.pinnedTo!.includes(hostnameOf(n)));
      eligible = named.filter(takesPods);
      if (!named.length) problems.push(missingNode(pod, nodes));
      else if (!eligible.length) problems.push(unusableNode(pod, named, usable));
      if (!eligible.length) continue;
    } else if (!usable.length) {
      noNodeForUnpinned = true;
      continue;
    }
    if (!isZero(pod.request) && !eligible.some((n) => fits(pod.request, n.allocatable))) problems.push(tooLarge(pod, eligible));
    else if (!isZero(pod.request)) toPack.push({ pod, eligible });
  }
  if (noNodeForUnpinned) problems.push(noUsableNode(nodes));
  const unplaced = pack(toPack, usable);
  if (unplaced.length) problems.push(notTogether(unplaced, toPack, usable));
  return problems;
}

/**
 * The CPU and memory the scheduler reserves for a pod, by Kubernetes' rule with native
 * sidecars: the larger of (a) the regular containers plus the restartable init containers
 * (`restartPolicy: Always`, which run beside them), and (b) for each other init container, it
 * plus the restartable init containers started before it; per resource. A container asks its
 * limits (the manifests set no requests, so Kubernetes takes the limits as requests), or
 * nothing without one. Pod overhead (RuntimeClass) is not counted.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers
 */
export function podRequest(spec: Pick<PodSpec, "containers" | "initContainers">): CpuMemory {
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") sidecars = plus(sidecars, containerRequest(c));
    else initPeak = larger(initPeak, plus(sidecars, containerRequest(c)));
  }
  return larger(plus(spec.containers.map(containerRequest).reduce(plus, ZERO), sidecars), initPeak);
}

/** One container's request: its limits (see {@link podRequest}). */
function containerRequest(c: Pick<Container, "resources">): CpuMemory {
  const limits = c.resources?.limits ?? {};
  return {
    cpuMillis: limits["cpu"] !== undefined ? quantityMilliValue(limits["cpu"]) : 0,
    memoryBytes: limits["memory"] !== undefined ? quantityValue(limits["memory"]) : 0,
  };
}

const ZERO: CpuMemory = { cpuMillis: 0, memoryBytes: 0 };
const plus = (a: CpuMemory, b: CpuMemory): CpuMemory => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes });
const minus = (a: CpuMemory, b: CpuMemory): CpuMemory => ({ cpuMillis: a.cpuMillis - b.cpuMillis, memoryBytes: a.memoryBytes - b.memoryBytes });
const larger = (a: CpuMemory, b: CpuMemory): CpuMemory => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});
const fits = (ask: CpuMemory, room: CpuMemory): boolean => ask.cpuMillis <= room.cpuMillis && ask.memoryBytes <= room.memoryBytes;
const isZero = (r: CpuMemory): boolean => r.cpuMillis === 0 && r.memoryBytes === 0;
const hostnameOf = (n: NodeCapacity): string => n.hostname ?? n.name;
const takesPods = (n: NodeCapacity): boolean => !n.unschedulable && n.ready;

/** A workload's pod as the check sees it. */
interface PodAsk {
  readonly name: string;
  readonly service: string | undefined;
  readonly request: CpuMemory;
  /** Containers with limits, and theirs. */
  readonly askers: readonly { readonly name: string; readonly request: CpuMemory }[];
  /** `kubernetes.io/hostname` values it may run on; undefined when any node will do. */
  readonly pinnedTo: readonly string[] | undefined;
}

interface Packed {
  readonly pod: PodAsk;
  readonly eligible: readonly NodeCapacity[];
}

function podsOf(manifests: Pick<KubernetesManifests, "objects">): PodAsk[] {
  return manifests.objects
    .filter((o): o is WorkloadObject => o.kind === "Deployment" || o.kind === "StatefulSet")
    .map((w) => {
      const spec = w.spec.template.spec;
      return {
        name: w.metadata.name,
        service: w.spec.template.metadata.labels[SERVICE_LABEL],
        request: podRequest(spec),
        askers: [...(spec.initContainers ?? []), ...spec.containers]
          .map((c) => ({ name: c.name, request: containerRequest(c) }))
          .filter((c) => !isZero(c.request)),
        pinnedTo: pinnedHostnames(spec),
      };
    });
}

/**
 * The hostnames a required node affinity allows: terms are alternatives, expressions in a term
 * all apply. Undefined when some term does not name a hostname (any node may match it).
 */
function pinnedHostnames(spec: Pick<PodSpec, "affinity">): string[] | undefined {
  const terms = spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms ?? [];
  if (!terms.length) return undefined;
  const allowed = terms.map((t) =>
    t.matchExpressions
      .filter((e) => e.key === HOSTNAME_LABEL && e.operator === "In")
      .map((e) => e.values)
      .reduce<readonly string[] | undefined>((all, values) => (all ? all.filter((v) => values.includes(v)) : values), undefined),
  );
  return allowed.some((a) => a === undefined) ? undefined : [...new Set(allowed.flatMap((a) => a ?? []))];
}

/**
 * First-fit decreasing over the nodes in their order: pinned pods first (they have fewer
 * choices), each group largest first by its largest share of the nodes' total. Returns the
 * pods that found no room.
 */
function pack(pods: readonly Packed[], nodes: readonly NodeCapacity[]): Packed[] {
  const total = nodes.map((n) => n.allocatable).reduce(plus, ZERO);
  const share = (r: CpuMemory) => Math.max(r.cpuMillis / (total.cpuMillis || 1), r.memoryBytes / (total.memoryBytes || 1));
  const order = [...pods].sort((a, b) => Number(!a.pod.pinnedTo) - Number(!b.pod.pinnedTo) || share(b.pod.request) - share(a.pod.request));
  const free = new Map(nodes.map((n) => [n.name, n.allocatable]));
  const unplaced: Packed[] = [];
  for (const p of order) {
    const node = p.eligible.find((n) => fits(p.pod.request, free.get(n.name)!));
    if (node) free.set(node.name, minus(free.get(node.name)!, p.pod.request));
    else unplaced.push(p);
  }
  return unplaced;
}

function missingNode(pod: PodAsk, nodes: readonly NodeCapacity[]): string {
  return (
    `pod ${pod.name} is pinned to node ${alternatives(pod.pinnedTo!)} (${HOSTNAME_LABEL}), which the cluster does not have ` +
    `(its nodes: ${nodes.map(hostnameOf).join(", ") || "none"}); fix: pin it to one of those (nodeOf, or volumeNode for a pod with volumes), or add the node`
  );
}

function unusableNode(pod: PodAsk, named: readonly NodeCapacity[], usable: readonly NodeCapacity[]): string {
  const why = named.map((n) => `${hostnameOf(n)} is ${n.unschedulable ? "cordoned (spec.unschedulable)" : "not Ready"}`).join(", ");
  const fix = named.map((n) =>
    n.unschedulable ? `kubectl uncordon ${n.name}` : `bring ${n.name} back (kubectl describe node ${n.name} says why it is not Ready)`,
  );
  return (
    `pod ${pod.name} is pinned to node ${alternatives(pod.pinnedTo!)}, which takes no new pods: ${why}; ` +
    `fix: ${fix.join(", or ")}, or pin it to a node that takes pods (${usable.map(hostnameOf).join(", ") || "none has room: see the other problems"})`
  );
}

function noUsableNode(nodes: readonly NodeCapacity[]): string {
  const states = nodes.map((n) => `${n.name}: ${n.unschedulable ? "cordoned" : "not Ready"}`);
  return (
    `no node of the cluster takes pods (${states.join(", ") || "it has no nodes"}), so no unpinned pod can start; ` +
    `fix: uncordon a node (kubectl uncordon <node>) or bring one back to Ready, or add nodes`
  );
}

function tooLarge(pod: PodAsk, eligible: readonly NodeCapacity[]): string {
  const r = pod.request;
  const where = pod.pinnedTo ? `the node it is pinned to (${eligible.map(hostnameOf).join(", ")})` : "any node that takes pods";
  const most = (key: keyof CpuMemory) => eligible.reduce((a, b) => (b.allocatable[key] > a.allocatable[key] ? b : a));
  const cpuShort = !eligible.some((n) => n.allocatable.cpuMillis >= r.cpuMillis);
  const memoryShort = !eligible.some((n) => n.allocatable.memoryBytes >= r.memoryBytes);
  const short = [
    ...(cpuShort
      ? [`${cpu(r.cpuMillis)}, more than ${where} has allocatable (the most: ${cpu(most("cpuMillis").allocatable.cpuMillis)} on ${most("cpuMillis").name})`]
      : []),
    ...(memoryShort
      ? [
          `${memory(r.memoryBytes)} of memory, more than ${where} has allocatable (the most: ${memory(most("memoryBytes").allocatable.memoryBytes)} on ${most("memoryBytes").name})`,
        ]
      : []),
  ];
  const what = short.length
    ? short.join(", and ")
    : `${cpu(r.cpuMillis)} and ${memory(r.memoryBytes)} of memory, which no node that may take it has both of (${eligible.map((n) => `${n.name}: ${amount(n.allocatable)}`).join("; ")})`;
  const limits = pod.askers.map((c) => `${c.name}: ${asks(c.request)}`).join("; ");
  const which = cpuShort === memoryShort ? "both" : cpuShort ? "cpu" : "memory";
  return `pod ${pod.name}${pod.service ? ` (service ${pod.service})` : ""} asks ${what}; its request is its containers' limits (${limits}); fix: ${lower(pod, which)}, or add a larger node`;
}

function notTogether(unplaced: readonly Packed[], all: readonly Packed[], nodes: readonly NodeCapacity[]): string {
  const asked = all.map((p) => p.pod.request).reduce(plus, ZERO);
  const has = nodes.map((n) => n.allocatable).reduce(plus, ZERO);
  const pods = unplaced.map((p) => `${p.pod.name} (${p.pod.pinnedTo ? `pinned to ${alternatives(p.pod.pinnedTo)}; ` : ""}${asks(p.pod.request)})`);
  const services = [...new Set(all.flatMap((p) => (p.pod.service ? [p.pod.service] : [])))];
  return (
    `the pods do not all fit the cluster together: ${pods.length === 1 ? `pod ${pods[0]!} finds` : `pods ${pods.join(", ")} find`} no room once the others are placed ` +
    `(first fit, largest first, pinned pods first); in total the pods ask ${asks(asked)}, and the nodes that take pods ` +
    `(${nodes.map((n) => `${n.name}: ${amount(n.allocatable)}`).join("; ")}) have ${amount(has)} allocatable; ` +
    `fix: lower resources (cpus, memoryMiB) of ${services.length ? `services ${services.join(", ")}` : "the plan's containers"} in the mesh, add nodes` +
    `${unplaced.some((p) => p.pod.pinnedTo) ? ", or pin fewer pods to one node" : ""}, or set skipCapacityCheck if the cluster adds nodes on demand`
  );
}

function lower(pod: PodAsk, which: "cpu" | "memory" | "both"): string {
  const field = { cpu: "resources.cpus", memory: "resources.memoryMiB", both: "resources.cpus or resources.memoryMiB" }[which];
  return pod.service ? `lower ${field} of service ${pod.service} in the mesh` : `lower the limits of ${pod.askers.map((c) => c.name).join(", ")} in the plan`;
}

function alternatives(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(" or ");
}

function amount(r: CpuMemory): string {
  return `${cpu(r.cpuMillis)}, ${memory(r.memoryBytes)}`;
}

/** What a pod or container asks, leaving out what it does not ask. */
function asks(r: CpuMemory): string {
  return [...(r.cpuMillis ? [cpu(r.cpuMillis)] : []), ...(r.memoryBytes ? [memory(r.memoryBytes)] : [])].join(", ");
}

/** Millicores as people say them: `1 CPU`, `2 CPUs`, `0.5 CPUs`. */
function cpu(millis: number): string {
  const cores = millis / 1000;
  return `${trim(cores, 3)} CPU${cores === 1 ? "" : "s"}`;
}

/** Bytes in the largest binary unit they reach: `512 MiB`, `7.63 GiB`, `1 TiB`. */
function memory(bytes: number): string {
  for (const [unit, size] of [
    ["TiB", 1024 ** 4],
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const)
    if (bytes >= size) return `${trim(bytes / size, 2)} ${unit}`;
  return `${bytes} B`;
}

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}
