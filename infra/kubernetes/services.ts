import type { MeshPlan } from "../../sdk";
import { endpoints, type Endpoint, type PublishedPorts } from "../ports";
import type { Issues } from "./errors";
import { ALIAS_LABEL_PREFIX, checkServiceName, POD_LABEL, STACK_LABEL } from "./names";
import type { ObjectMeta, ServiceObject, ServicePort } from "./objects";
import type { PlannedPod } from "./pods";

/**
 * Node ports of the mesh's front doors: inside Kubernetes' default NodePort range
 * (30000–32767), ending like the Docker host ports they stand for. `false` leaves one out.
 */
export const DEFAULT_NODE_PORTS: PublishedPorts = { consul: 30500, keycloak: 30080, ingress: 30000, prometheus: 30090 };

/** A front door: a container port the harness and users reach from outside the cluster. */
export interface FrontDoor extends Endpoint {
  /** The pod the container is in. */
  readonly pod: string;
  /** The NodePort Service's name. */
  readonly service: string;
}

/**
 * One headless Service per network alias, so that short names (`consul`, `keycloak`, an
 * instance id) resolve from every pod in the namespace to the pods holding the alias, as
 * Docker's DNS resolves them on the mesh network. An alias several pods hold (`consul` on
 * every server) resolves to all of them.
 *
 * Every alias publishes addresses of pods that are not ready: Docker's DNS answers for a
 * running container whatever its health, and the plan relies on it. Consul servers find each
 * other by name before any of them is ready (there is no leader until `bootstrap_expect` of
 * them have joined), and agents join a server before their own check can pass. Which
 * instance takes traffic is Consul's health's business, not DNS's.
 *
 * Headless Services route nothing: a client connects to the pod's address on any port, as on
 * Docker; the listed ports (the plan's `ports`) only name them (SRV records).
 */
export function aliasServices(pods: readonly PlannedPod[], meta: (name: string) => ObjectMeta, stack: string, issues: Issues): ServiceObject[] {
  const holders = new Map<string, PlannedPod[]>();
  pods.forEach((pod) => {
    for (const alias of pod.containers[0]!.networkAliases) holders.set(alias, [...(holders.get(alias) ?? []), pod]);
  });
  return [...holders.entries()].map(([alias, held]) => {
    checkServiceName(issues, `containers.${held[0]!.name}.networkAliases`, alias);
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(alias),
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: { [STACK_LABEL]: stack, [aliasLabel(alias)]: "true" },
        ports: uniquePorts(held.flatMap((p) => p.containers[0]!.ports.map((x) => ({ port: x.container, protocol: x.protocol })))),
      },
    };
  });
}

/** The label a pod holding `alias` carries. */
export function aliasLabel(alias: string): string {
  return `${ALIAS_LABEL_PREFIX}${alias}`;
}

/**
 * The front doors the plan has (Consul's HTTP API, Keycloak, the first ingress listener,
 * Prometheus: as on Docker, see `infra/ports.ts`), each a NodePort Service named
 * `<front>-nodeport`. NodePort rather than port-forwarding: it needs no process kept running
 * beside the tests, and works for any cluster whose node the tests reach. On Docker these
 * ports bind 127.0.0.1 only; kube-proxy answers a node port on every address of the node
 * unless its `nodePortAddresses` narrows them (on the local cluster, to the bridge address
 * the tests dial, e.g. `10.244.0.1/32`), which keeps Consul and Keycloak's admin console
 * off the host's other interfaces.
 */
export function frontDoors(plan: MeshPlan, pods: readonly PlannedPod[], nodePorts: PublishedPorts): FrontDoor[] {
  const podOf = new Map(pods.flatMap((p) => p.containers.map((c) => [c.name, p.name] as const)));
  return endpoints(plan, nodePorts).map((e) => ({ ...e, pod: podOf.get(e.container) ?? e.container, service: `${e.name}-nodeport` }));
}

/** The NodePort Service of a front door. */
export function frontDoorService(door: FrontDoor, meta: ObjectMeta, stack: string): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta,
    spec: {
      type: "NodePort",
      selector: { [STACK_LABEL]: stack, [POD_LABEL]: door.pod },
      ports: [{ name: `tcp-${door.containerPort}`, port: door.containerPort, targetPort: door.containerPort, protocol: "TCP", nodePort: door.hostPort }],
    },
  };
}

function uniquePorts(ports: readonly { port: number; protocol: "tcp" | "udp" }[]): ServicePort[] {
  const seen = new Map<string, ServicePort>();
  for (const p of ports) {
    const name = `${p.protocol}-${p.port}`;
    if (!seen.has(name)) seen.set(name, { name, port: p.port, targetPort: p.port, protocol: p.protocol === "udp" ? "UDP" : "TCP" });
  }
  return [...seen.values()];
}
