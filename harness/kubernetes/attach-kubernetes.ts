import type { MeshPlan } from "../../sdk";
import { POD_LABEL, STACK_LABEL } from "../../infra/kubernetes/names";
import { StartedMesh, type StartedPlanContainer } from "../realize/started-mesh";
import { KubeContainer, runKubectl, type KubeAccess } from "./kube-container";

/** Options of {@link attachKubernetesMesh}. */
export interface AttachKubernetesOptions extends KubeAccess {
  /** The stack's name: the `io.meshwright.stack` label of its pods. */
  readonly stack: string;
  /** Values of the plan's secrets (the stack's `secretValues` output). */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * The mesh's front doors: which container port is reached on which node port (the stack's
   * `frontDoors` output). Consul, Keycloak and Prometheus are reached through them.
   */
  readonly frontDoors: readonly { readonly container: string; readonly containerPort: number; readonly hostPort: number }[];
  /** Address the node ports answer on from the test process. @default "127.0.0.1" */
  readonly nodeHost?: string;
}

/** What the harness reads of a pod. */
interface PodView {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string>; readonly deletionTimestamp?: string };
  readonly status: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

interface ContainerStatus {
  readonly name: string;
  readonly state?: { readonly running?: unknown; readonly waiting?: { readonly reason?: string }; readonly terminated?: { readonly reason?: string } };
}

/** The stack's live pods (not being deleted), by their `io.meshwright.pod` label. */
export async function stackPods(access: KubeAccess, stack: string): Promise<Map<string, PodView>> {
  const r = await runKubectl(access, ["get", "pods", "-l", `${STACK_LABEL}=${stack}`, "-o", "json"]);
  if (r.exitCode !== 0) throw new Error(`cannot list the pods of stack ${stack} in namespace ${access.namespace}: ${r.stderr.trim()}`);
  const pods = (JSON.parse(r.stdout) as { items: PodView[] }).items.filter((p) => !p.metadata.deletionTimestamp);
  return new Map(pods.map((p) => [p.metadata.labels?.[POD_LABEL] ?? p.metadata.name, p]));
}

/**
 * A mesh realized on Kubernetes (MeshStack with a Kubernetes target) as a {@link StartedMesh}:
 * each plan container is a container of its instance's pod, commands run through
 * `kubectl exec`, and Consul, Keycloak and Prometheus are reached on their node ports. So the
 * discovery, balance, auth and failover probes run on it as on Docker. Fails naming each plan
 * container that is not running. `stop()` removes nothing: the mesh belongs to its stack.
 */
export async function attachKubernetesMesh(plan: MeshPlan, options: AttachKubernetesOptions): Promise<StartedMesh> {
  const pods = await stackPods(options, options.stack);
  const ownerOf = (name: string) => plan.containers.find((c) => c.name === name)?.networkMode?.container ?? name;
  const problems: string[] = [];
  const started = new Map<string, StartedPlanContainer>();
  for (const spec of plan.containers) {
    const pod = pods.get(ownerOf(spec.name));
    const status = [...(pod?.status.initContainerStatuses ?? []), ...(pod?.status.containerStatuses ?? [])].find((s) => s.name === spec.name);
    if (!pod) problems.push(`${spec.name}: no pod labelled ${POD_LABEL}=${ownerOf(spec.name)}`);
    else if (!status?.state?.running)
      problems.push(
        `${spec.name}: container of pod ${pod.metadata.name} is ${status?.state?.waiting?.reason ?? status?.state?.terminated?.reason ?? "not running"}`,
      );
    else {
      const doors = new Map(options.frontDoors.filter((d) => d.container === spec.name).map((d) => [d.containerPort, d.hostPort] as const));
      started.set(spec.name, { spec, container: new KubeContainer(options, pod.metadata.name, spec.name, options.nodeHost ?? "127.0.0.1", doors) });
    }
  }
  if (problems.length)
    throw new Error(`cannot attach to mesh ${plan.mesh.name} in namespace ${options.namespace}; is its stack up?\n${problems.map((p) => `  ${p}`).join("\n")}`);
  // An instance's sidecar answers at its pod's address: read again whenever an unknown one shows.
  const instanceAddresses = async () => {
    const now = await stackPods(options, options.stack);
    const out = new Map<string, string>();
    for (const service of plan.services)
      for (const i of service.instances) {
        const ip = now.get(i.node)?.status.podIP;
        if (ip) out.set(ip, i.id);
      }
    return out;
  };
  return new StartedMesh(plan, `attached:${plan.mesh.name}`, "", started, async () => undefined, options.secrets, { instanceAddresses });
}
