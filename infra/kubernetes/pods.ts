import type { ContainerSpec, MeshPlan } from "../../sdk";
import type { Issues } from "./errors";

/**
 * One pod of the mesh: the containers that share a network namespace on Docker. The owner is
 * the container the others name in `networkMode` (an instance's Consul client agent); a
 * container that shares no namespace is a pod of its own.
 */
export interface PlannedPod {
  /** The owner's plan name; also the workload's name. */
  readonly name: string;
  /**
   * `StatefulSet` when a container has a volume (a Consul server, PostgreSQL): a StatefulSet
   * never runs two pods of one identity at once, not even while a node is lost, so a data
   * folder (Raft state, a PostgreSQL cluster) is never opened twice. `Deployment` (one replica,
   * `Recreate`) for the rest: an instance is one Consul node, which two pods at once would
   * register twice, and a Deployment's pod is replaced on another node when one is lost.
   */
  readonly kind: "Deployment" | "StatefulSet";
  /** The owner first, then the containers joining its namespace, in plan order. */
  readonly containers: readonly ContainerSpec[];
  /** Pods whose containers this pod's containers depend on (Pulumi waits for them to be ready). */
  readonly dependsOn: readonly string[];
}

/**
 * The plan's containers grouped into pods, in plan order (a pod where its owner is listed).
 * A container joining a namespace that is not defined before it, or that itself joins
 * another, is recorded in `issues`.
 */
export function planPods(plan: Pick<MeshPlan, "containers">, issues: Issues): PlannedPod[] {
  const members = new Map<string, ContainerSpec[]>();
  const podOf = new Map<string, string>();
  plan.containers.forEach((c, i) => {
    const owner = c.networkMode?.container;
    if (owner === undefined) {
      members.set(c.name, [c]);
      podOf.set(c.name, c.name);
      return;
    }
    const pod = members.get(owner);
    if (!pod || podOf.get(owner) !== owner)
      issues.add(
        `containers[${i}].networkMode`,
        `${c.name} joins ${owner}'s network namespace, but ${owner} is not a container that owns one, listed before it`,
        "this is a bug in the plan's compiler: containers are listed in start order, owners first",
      );
    else {
      pod.push(c);
      podOf.set(c.name, owner);
    }
  });
  return [...members.entries()].map(([name, containers]) => ({
    name,
    kind: containers.some((c) => c.volumes?.length) ? "StatefulSet" : "Deployment",
    containers,
    dependsOn: [...new Set(containers.flatMap((c) => c.dependsOn).map((d) => podOf.get(d) ?? d))].filter((p) => p !== name),
  }));
}
