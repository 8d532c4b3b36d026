/** Where the shared tests (test/e2e/targets.test.ts) run a mesh: Docker through the harness, or the local Kubernetes cluster through pulumi up. */
import { startMesh, type StartedMesh } from "../../harness/realize";
import type { MeshPlan } from "../../sdk";
import { clusterDown } from "../../toolchain/kubernetes";
import { previewRefusesPlanThatDoesNotFit } from "./capacity-preview";
import { upOnLocalCluster, type ClusterStack } from "./cluster-stack";
import { nodeLoss, nodeLossPlacement, reconnectNode } from "./node-loss";

/** A place to run the mesh: how it goes up, what else it must prove, and how it comes down leaving nothing. */
export interface Target {
  readonly name: string;
  up(): Promise<StartedMesh>;
  /** Proofs of this target's realizer, run in order after the shared tests. */
  readonly afterShared: readonly (readonly [name: string, proof: () => Promise<void>])[];
  down(): Promise<void>;
}

/** Docker, by the harness's `startMesh`; `down` removes every container of the run. */
export function dockerTarget(plan: MeshPlan): Target {
  let started: StartedMesh | undefined;
  return {
    name: "docker",
    up: async () => (started = await startMesh(plan)),
    afterShared: [],
    down: async () => started?.stop(),
  };
}

/**
 * The local cluster (`meshwright cluster up`, two nodes, started here) through a real
 * `pulumi up` of KubernetesMeshStack, payment-service-2 on the second node and the rest on the
 * first. After the shared tests it proves that a second `pulumi up` changes nothing, that
 * losing the second node under load fails over (see node-loss.ts), that a plan that does not
 * fit the cluster fails preview (see capacity-preview.ts), and that `pulumi destroy` leaves
 * nothing of the stack in the cluster; `down` removes the cluster (and with it the
 * volumes' folders).
 */
export function kubernetesTarget(plan: MeshPlan): Target {
  let cluster: ClusterStack | undefined;
  let destroyed = false;
  return {
    name: "kubernetes through pulumi up",
    up: async () => {
      cluster = await upOnLocalCluster(plan, { name: "k8s", namespace: "mw-targets", nodes: 2, nodeOf: nodeLossPlacement });
      return cluster.mesh;
    },
    afterShared: [
      [
        "a second pulumi up changes nothing",
        async () => {
          const again = await cluster!.up();
          expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
        },
      ],
      [
        "a node lost under load: calls fail over (70% to the other node's primary, 30% to the backup, as Envoy's priority load says), and the node is taken back when it returns",
        () => nodeLoss(cluster!),
      ],
      ["a plan that does not fit the cluster fails preview, naming the pod and the fix", () => previewRefusesPlanThatDoesNotFit(cluster!.access)],
      [
        "pulumi destroy leaves nothing of the stack in the cluster",
        async () => {
          destroyed = true;
          expect(await cluster!.destroy()).toEqual([]);
        },
      ],
    ],
    down: async () => {
      try {
        await reconnectNode();
        if (cluster && !destroyed) await cluster.stack.destroy();
      } finally {
        cluster?.forget();
        await clusterDown();
      }
    },
  };
}
