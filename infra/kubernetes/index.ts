/**
 * The Kubernetes realizer's pure half: a `MeshPlan` as Kubernetes objects (plain data), and
 * the Pulumi component that applies them (`./stack`, imported separately so that this half
 * needs no `@pulumi/kubernetes`).
 * @packageDocumentation
 */
export { kubernetesManifests, DEFAULT_VOLUME_ROOT, type KubernetesManifestOptions, type KubernetesManifests } from "./manifests";
export { KubernetesPlanError } from "./errors";
export { planFit, podRequest, type NodeCapacity, type CpuMemory } from "./capacity";
export { readNodeCapacity, nodeCapacities, type NodesUnreadable, type ReadNodesOptions } from "./nodes";
export { quantityValue, quantityMilliValue } from "./quantity";
export { DEFAULT_NODE_PORTS, type FrontDoor } from "./services";
export { withSecretValues, resolvedStringData, type SecretValues } from "./secret-values";
export { volumeFolder } from "./volumes";
export type { PlannedPod } from "./pods";
export type * from "./objects";
export { STACK_LABEL, POD_LABEL, ALIAS_LABEL_PREFIX, MANAGED_BY } from "./names";
