/**
 * meshwright/infra: realize a mesh with Pulumi. {@link MeshStack} is an ordinary component
 * resource; put it in any Pulumi program.
 * @packageDocumentation
 */
import "./peers";

export * from "./mesh-stack";
