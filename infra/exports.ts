/**
 * meshwright/infra: realize a mesh with Pulumi. {@link MeshStack} is an ordinary component
 * resource; put it in any Pulumi program.
 * @packageDocumentation
 */
import "./peers";

export { MeshStack, type MeshStackArgs, type MeshStackOptions, DEFAULT_PORTS, type PublishedPorts, STACK_LABEL } from "./mesh-stack";
export { SecretsNotSuppliedError, ImagesMissingError, BuildContextError, InsecurePlanError } from "./mesh-stack";
export type { MissingImage } from "./images";
export type { ConsulConfigEntry, ConsulPolicy, ConsulToken } from "./consul/resources";
export type { Drift } from "./consul/providers";
