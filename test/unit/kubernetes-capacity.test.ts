/** Whether a plan fits a cluster's nodes (infra/kubernetes/capacity.ts): the check KubernetesMeshStack runs before anything is created. */
import fc from "fast-check";
import shop from "../../examples/shop";
import { nodeCapacities, planFit, podRequest, quantityMilliValue, quantityValue, type NodeCapacity } from "../../infra/kubernetes";
import { kubernetesManifests, type KubernetesManifestOptions } from "../../infra/kubernetes/manifests";
import { cpuQuantity, memoryQuantity } from "../../infra/kubernetes/container";
import type { Container } from "../../infra/kubernetes/objects";
import { compile, DEFAULT_IMAGES, Mesh, type AppResources } from "../../sdk";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A node as the API lists it (quantities as text), read by nodeCapacities. */
function node(name: string, cpu: string, memory: string, more: { unschedulable?: boolean; ready?: boolean; hostname?: string } = {}): NodeCapacity {
  return nodeCapacities({
    items: [
      {
        metadata: { name, labels: { "kubernetes.io/hostname": more.hostname ?? name } },
        spec: more.unschedulable ? { unschedulable: true } : {},
        status: { allocatable: { cpu, memory, pods: "110" }, conditions: [{ type: "Ready", status: more.ready === false ? "False" : "True" }] },
      },
    ],
  })[0]!;
}

/** A mesh of services whose apps have the given limits (one instance each, unless told). */
function meshOf(services: Record<string, AppResources & { instances?: number }>): Mesh {
  const mesh = new Mesh("fit");
  for (const [name, { instances = 1, ...resources }] of Object.entries(services))
    mesh.service(name, { instances: Array.from({ length: instances }, () => ({})), app: { image: DEFAULT_IMAGES.workload, resources } });
  return mesh;
}

const manifestsOf = (mesh: Mesh, opts: Partial<KubernetesManifestOptions> = {}) =>
  kubernetesManifests(compile(mesh), { namespace: "fit", stack: "dev", ...opts });

describe("Kubernetes quantities", () => {
  it.each([
    ["2", 2],
    ["0", 0],
    ["8Gi", 8 * GiB],
    ["123456Ki", 123456 * 1024],
    ["1.5Gi", 1.5 * GiB],
    ["0.5Mi", 512 * 1024],
    ["1e3", 1000],
    ["1E3", 1000],
    ["2e-3", 1],
    ["1G", 1e9],
    ["1k", 1000],
    ["1M", 1e6],
    ["1E", 1e18],
    ["+3", 3],
    ["-1", -1],
    ["500m", 1],
    [".5", 1],
  ])("%s is %d in base units (cores, bytes), rounded up as Kubernetes' Value()", (q, value) => {
    expect(quantityValue(q)).toBe(value);
  });

  it.each([
    ["2", 2000],
    ["500m", 500],
    ["0.1", 100],
    ["1.5", 1500],
    ["250m", 250],
    ["1u", 1],
    ["100n", 1],
    ["1e-3", 1],
    ["3k", 3_000_000],
  ])("%s is %d millicores, rounded up as Kubernetes' MilliValue()", (q, millis) => {
    expect(quantityMilliValue(q)).toBe(millis);
  });

  it.each(["", "abc", "1X", "1.2.3", "Gi", "1 Gi", "--1", "1e999", "1ee3", "1Ki2"])("%j is refused, naming the text and the forms a quantity takes", (q) => {
    expect(() => quantityValue(q)).toThrow(
      new RangeError(
        `"${q}" is not a Kubernetes quantity: expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei; n, u, m, k, M, G, T, P, E; or an exponent such as e3)`,
      ),
    );
  });

  it("reads back every limit the manifests write, exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 64e9 }), (bytes, nanoCpus) => {
        expect(quantityValue(memoryQuantity(bytes))).toBe(bytes);
        expect(quantityMilliValue(cpuQuantity(nanoCpus))).toBe(Math.ceil(nanoCpus / 1e6));
      }),
    );
  });
});

describe("a node list", () => {
  it("gives each node's allocatable CPU and memory, hostname label, and whether it is cordoned or Ready", () => {
    expect(
      nodeCapacities({
        items: [
          {
            metadata: { name: "ip-10-0-0-1.internal", labels: { "kubernetes.io/hostname": "ip-10-0-0-1" } },
            spec: { unschedulable: true },
            status: { allocatable: { cpu: "3920m", memory: "15225184Ki" }, conditions: [{ type: "Ready", status: "Unknown" }] },
          },
        ],
      }),
    ).toEqual([
      {
        name: "ip-10-0-0-1.internal",
        hostname: "ip-10-0-0-1",
        allocatable: { cpuMillis: 3920, memoryBytes: 15225184 * 1024 },
        unschedulable: true,
        ready: false,
      },
    ]);
  });
});

describe("a pod's request", () => {
  const c = (name: string, cpu?: string, memory?: string, restartPolicy?: Container["restartPolicy"]): Container => ({
    name,
    image: "x",
    imagePullPolicy: "Never",
    ...(cpu || memory ? { resources: { limits: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } } : {}),
    ...(restartPolicy ? { restartPolicy } : {}),
  });

  it("is the sum of its containers' limits (requests default to limits); a container without limits asks nothing", () => {
    expect(podRequest({ containers: [c("a", "500m", "256Mi"), c("b", "1", "1Gi"), c("c")] })).toEqual({ cpuMillis: 1500, memoryBytes: 1280 * MiB });
  });

  it("counts native sidecars (restartable init containers) with the regular containers, as they run beside them", () => {
    expect(podRequest({ initContainers: [c("agent", "250m", "128Mi", "Always")], containers: [c("app", "500m", "512Mi")] })).toEqual({
      cpuMillis: 750,
      memoryBytes: 640 * MiB,
    });
  });

  it("is an init container's request when that is larger: it runs alone, before the others", () => {
    expect(podRequest({ initContainers: [c("setup", "2", "64Mi")], containers: [c("app", "500m", "512Mi")] })).toEqual({
      cpuMillis: 2000,
      memoryBytes: 512 * MiB,
    });
  });

  it("adds to an init container the sidecars started before it, not those after it", () => {
    const regular = [c("app", undefined, "512Mi")];
    expect(podRequest({ initContainers: [c("sidecar", undefined, "1Gi", "Always"), c("setup", undefined, "1Gi")], containers: regular }).memoryBytes).toBe(
      2 * GiB,
    );
    expect(podRequest({ initContainers: [c("setup", undefined, "1Gi"), c("sidecar", undefined, "1Gi", "Always")], containers: regular }).memoryBytes).toBe(
      1.5 * GiB,
    );
  });

  it("of an instance's pod is its app's limits: the Consul agent (a native sidecar), the sidecar and the probe have none", () => {
    const m = manifestsOf(meshOf({ api: { cpus: 0.5, memoryMiB: 300 } }));
    const pod = m.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "api-1")!;
    expect(podRequest((pod as { spec: { template: { spec: Parameters<typeof podRequest>[0] } } }).spec.template.spec)).toEqual({
      cpuMillis: 500,
      memoryBytes: 300 * MiB,
    });
  });
});

describe("a plan on a cluster", () => {
  const two = [node("n1", "2", "8Gi"), node("n2", "2", "8Gi")];

  it("fits when every pod has room: nothing to report", () => {
    expect(planFit(manifestsOf(meshOf({ api: { cpus: 1, memoryMiB: 4096, instances: 2 }, web: { cpus: 0.5, memoryMiB: 2048 } })), two)).toEqual([]);
  });

  it("fits with no limits at all, on any node that takes pods (pods without limits ask nothing)", () => {
    expect(planFit(kubernetesManifests(compile(shop), { namespace: "shop", stack: "dev" }), [node("small", "100m", "64Mi")])).toEqual([]);
  });

  it("does not fit when a pod asks more memory than any node has, naming the pod, its service, the node and the fix", () => {
    expect(planFit(manifestsOf(meshOf({ api: { memoryMiB: 64 * 1024 } })), two)).toEqual([
      "pod api-1 (service api) asks 64 GiB of memory, more than any node that takes pods has allocatable (the most: 8 GiB on n1); " +
        "its request is its containers' limits (api-1-app: 64 GiB); fix: lower resources.memoryMiB of service api in the mesh, or add a larger node",
    ]);
  });

  it("names CPU when a pod asks more CPU than any node has", () => {
    const [problem] = planFit(manifestsOf(meshOf({ api: { cpus: 3 } })), two);
    expect(problem).toMatch(
      /^pod api-1 \(service api\) asks 3 CPUs, more than any node that takes pods has allocatable \(the most: 2 CPUs on n1\);.*fix: lower resources\.cpus of service api/,
    );
  });

  it("does not fit when a pod needs more CPU than one node and more memory than another, and none has both", () => {
    const [problem] = planFit(manifestsOf(meshOf({ api: { cpus: 3, memoryMiB: 10 * 1024 } })), [node("cpus", "4", "8Gi"), node("memory", "2", "16Gi")]);
    expect(problem).toContain("asks 3 CPUs and 10 GiB of memory, which no node that may take it has both of (cpus: 4 CPUs, 8 GiB; memory: 2 CPUs, 16 GiB)");
    expect(problem).toContain("fix: lower resources.cpus or resources.memoryMiB of service api in the mesh");
  });

  it("does not fit when a pod is pinned to a node the cluster does not have (the node count case)", () => {
    const pinned = manifestsOf(meshOf({ api: {}, web: {} }), { nodeOf: (p) => (p.name === "web-1" ? "n3" : undefined) });
    expect(planFit(pinned, two)).toEqual([
      'pod web-1 is pinned to node "n3" (kubernetes.io/hostname), which the cluster does not have (its nodes: n1, n2); ' +
        "fix: pin it to one of those (nodeOf, or volumeNode for a pod with volumes), or add the node",
    ]);
  });

  it("does not fit when a pod is pinned to a cordoned node, and says how to uncordon it", () => {
    const pinned = manifestsOf(meshOf({ api: {} }), { nodeOf: (p) => (p.name === "api-1" ? "n2" : undefined) });
    expect(planFit(pinned, [node("n1", "2", "8Gi"), node("n2", "2", "8Gi", { unschedulable: true })])).toEqual([
      'pod api-1 is pinned to node "n2", which takes no new pods: n2 is cordoned (spec.unschedulable); fix: kubectl uncordon n2, or pin it to a node that takes pods (n1)',
    ]);
  });

  it("does not fit when a pod is pinned to a node that is not Ready", () => {
    const pinned = manifestsOf(meshOf({ api: {} }), { nodeOf: (p) => (p.name === "api-1" ? "n2" : undefined) });
    expect(planFit(pinned, [node("n1", "2", "8Gi"), node("n2", "2", "8Gi", { ready: false })])[0]).toMatch(
      /^pod api-1 is pinned to node "n2", which takes no new pods: n2 is not Ready; fix: bring n2 back/,
    );
  });

  it("pins by the kubernetes.io/hostname label, which may differ from the node's name", () => {
    const pinned = manifestsOf(meshOf({ api: {} }), { nodeOf: () => "ip-10-0-0-1" });
    expect(planFit(pinned, [node("ip-10-0-0-1.internal", "2", "8Gi", { hostname: "ip-10-0-0-1" })])).toEqual([]);
  });

  it("checks a pinned pod against its node only, though another node is large enough", () => {
    const pinned = manifestsOf(meshOf({ api: { memoryMiB: 12 * 1024 } }), { nodeOf: (p) => (p.name === "api-1" ? "small" : undefined) });
    expect(planFit(pinned, [node("small", "2", "8Gi"), node("large", "2", "32Gi")])[0]).toContain(
      "asks 12 GiB of memory, more than the node it is pinned to (small) has allocatable (the most: 8 GiB on small)",
    );
  });

  it("does not fit when the pods together outgrow the nodes, though each fits alone and the totals would (first fit, largest first)", () => {
    // Three 5 GiB pods: 15 GiB of 16, but one 8 GiB node holds only one of them.
    const problems = planFit(manifestsOf(meshOf({ api: { memoryMiB: 5 * 1024, instances: 3 } })), two);
    expect(problems).toEqual([
      "the pods do not all fit the cluster together: pod api-3 (5 GiB) finds no room once the others are placed (first fit, largest first, pinned pods first); " +
        "in total the pods ask 15 GiB, and the nodes that take pods (n1: 2 CPUs, 8 GiB; n2: 2 CPUs, 8 GiB) have 4 CPUs, 16 GiB allocatable; " +
        "fix: lower resources (cpus, memoryMiB) of services api in the mesh, add nodes, or set skipCapacityCheck if the cluster adds nodes on demand",
    ]);
  });

  it("places pinned pods first on their node, and then finds no room for a pod pinned beside them", () => {
    const mesh = meshOf({ api: { memoryMiB: 3 * 1024, instances: 3 } });
    const problems = planFit(manifestsOf(mesh, { nodeOf: () => "n1" }), two);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('pod api-3 (pinned to "n1"; 3 GiB) finds no room once the others are placed');
    expect(problems[0]).toContain("or pin fewer pods to one node");
  });

  it("packs the largest pods first, so a plan that fits in some order is found to fit", () => {
    // In plan order (3, 3, 5, 5 GiB) first fit fails on two 8 GiB nodes; largest first fits.
    const mesh = new Mesh("fit");
    for (const [name, gib] of [
      ["a", 3],
      ["b", 3],
      ["c", 5],
      ["d", 5],
    ] as const)
      mesh.service(name, { app: { image: DEFAULT_IMAGES.workload, resources: { memoryMiB: gib * 1024 } } });
    expect(planFit(manifestsOf(mesh), two)).toEqual([]);
  });

  it("reports every problem at once", () => {
    const m = manifestsOf(meshOf({ api: { memoryMiB: 64 * 1024 }, web: {} }), { nodeOf: (p) => (p.name === "web-1" ? "gone" : undefined) });
    expect(planFit(m, two).map((p) => p.split(" ").slice(0, 2).join(" "))).toEqual(["pod api-1", "pod web-1"]);
  });

  it("does not fit when no node takes pods, saying which are cordoned or not Ready", () => {
    expect(planFit(manifestsOf(meshOf({ api: {} })), [node("n1", "2", "8Gi", { unschedulable: true }), node("n2", "2", "8Gi", { ready: false })])).toEqual([
      "no node of the cluster takes pods (n1: cordoned, n2: not Ready), so no unpinned pod can start; fix: uncordon a node (kubectl uncordon <node>) or bring one back to Ready, or add nodes",
    ]);
  });
});
