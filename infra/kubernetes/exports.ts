/**
 * meshwright/infra/kubernetes: realize a mesh on a Kubernetes cluster with Pulumi, as
 * meshwright/infra does on Docker. {@link KubernetesMeshStack} is an ordinary component
 * resource; put it in any Pulumi program with the cluster's kubeconfig. Needs the optional
 * peer `@pulumi/kubernetes`.
 * @packageDocumentation
 */
import "./peers";

export { KubernetesMeshStack, type KubernetesMeshStackArgs } from "./mesh-stack";
export { KubernetesMesh, type KubernetesMeshArgs, type Workload, podWaitSeconds } from "./stack";
export type { ConsulObjects } from "../consul/objects";
export * from "./index";
