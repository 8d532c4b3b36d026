/**
 * A KubernetesMeshStack on the local cluster through a real `pulumi up` (the engine and the
 * Kubernetes provider from `npm run engine -- --kubernetes`), attached as a StartedMesh: what
 * targets.test.ts and node-loss.test.ts share.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { attachKubernetesMesh } from "../../harness/kubernetes/attach-kubernetes";
import { runKubectl, type KubeAccess } from "../../harness/kubernetes/kube-container";
import type { StartedMesh } from "../../harness/realize";
import { inlineStack, upExplained } from "../../infra/automation";
import { kubernetesManifests } from "../../infra/kubernetes";
import { KubernetesMeshStack, type KubernetesMeshStackArgs } from "../../infra/kubernetes/mesh-stack";
import { STACK_LABEL } from "../../infra/kubernetes/names";
import type { MeshPlan } from "../../sdk";
import { kubernetesProviderBuilt } from "../../toolchain/engine/kubernetes-provider";
import { CLUSTER_NETWORK, clusterBin, clusterKubeconfig, clusterUp, clusterVolumeRoot, importImages } from "../../toolchain/kubernetes";

/** A mesh up on the local cluster through its Pulumi stack. */
export interface ClusterStack {
  readonly mesh: StartedMesh;
  readonly stack: Stack;
  /** kubectl, kubeconfig and namespace of the mesh. */
  readonly access: KubeAccess;
  /** `pulumi up` again. */
  up(): Promise<UpResult>;
  /** `pulumi destroy`, then what is left of the stack in the cluster (objects by `kind/name`, and the namespace). */
  destroy(): Promise<string[]>;
  /** Removes the stack's state folder. */
  forget(): void;
}

/** Options of {@link upOnLocalCluster}. */
export interface ClusterStackOptions extends Pick<KubernetesMeshStackArgs, "nodeOf"> {
  /** The stack's name (also its label on every object). */
  readonly name: string;
  readonly namespace: string;
  /** Nodes of the local cluster. @default 1 */
  readonly nodes?: number;
}

/**
 * Starts the local cluster (`meshwright cluster up`; its binaries from `cluster build`), moves
 * the plan's images onto its nodes, and runs `pulumi up` of a KubernetesMeshStack with its
 * volumes under the cluster's state (so `cluster down` removes them). Fails, naming the
 * command, when the provider plugin is not built.
 */
export async function upOnLocalCluster(plan: MeshPlan, options: ClusterStackOptions): Promise<ClusterStack> {
  if (!kubernetesProviderBuilt())
    throw new Error("the Pulumi Kubernetes provider is not built; run: npm run engine -- --kubernetes (a cold build takes 10-25 minutes)");
  await clusterUp({ out: () => undefined, nodes: options.nodes ?? 1 });
  await importImages([...new Set(plan.containers.map((c) => c.image))]);
  const backend = mkdtempSync(join(tmpdir(), "mw-k8s-state-"));
  const stack = await inlineStack({ project: "meshwright-e2e", stack: options.name, backendUrl: `file://${backend}` }, async () => {
    try {
      const s = new KubernetesMeshStack(options.name, {
        plan,
        kubeconfig: clusterKubeconfig(),
        namespace: options.namespace,
        volumeRoot: clusterVolumeRoot(),
        nodeOf: options.nodeOf,
      });
      return { secretValues: s.secretValues };
    } catch (error) {
      void pulumi.log.error((error as Error).message);
      return {};
    }
  });
  const up = await upExplained(stack, options.name);
  const access: KubeAccess = { kubectl: join(clusterBin(), "kubectl"), kubeconfig: clusterKubeconfig(), namespace: options.namespace };
  const mesh = await attachKubernetesMesh(plan, {
    ...access,
    stack: options.name,
    secrets: up.outputs["secretValues"]!.value as Record<string, string>,
    frontDoors: kubernetesManifests(plan, { namespace: options.namespace, stack: options.name }).frontDoors,
    nodeHost: CLUSTER_NETWORK.bridgeAddress,
  });
  return {
    mesh,
    stack,
    access,
    up: () => stack.up(),
    destroy: async () => {
      await stack.destroy();
      return leftOf(access, options.name);
    },
    forget: () => rmSync(backend, { recursive: true, force: true }),
  };
}

/** Objects labelled with the stack in any namespace, and the namespace if it still exists. */
async function leftOf(access: KubeAccess, stack: string): Promise<string[]> {
  const all = { ...access, namespace: "default" };
  const objects = await runKubectl(all, ["get", "all,configmaps,secrets,services", "--all-namespaces", "-l", `${STACK_LABEL}=${stack}`, "-o", "name"]);
  if (objects.exitCode !== 0) throw new Error(`cannot list what is left of stack ${stack}: ${objects.stderr.trim()}`);
  const namespace = await runKubectl(all, ["get", "namespace", access.namespace, "-o", "name", "--ignore-not-found"]);
  return [...objects.stdout.split("\n"), ...namespace.stdout.split("\n")].map((l) => l.trim()).filter(Boolean);
}
