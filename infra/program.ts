import * as pulumi from "@pulumi/pulumi";
import { shop } from "../examples/shop";
import { compile, Mesh, MeshValidationError, type MeshPlan, type MeshSpec } from "../sdk";
import { BuildContextError, ImagesMissingError, InsecurePlanError, MeshStack, SecretsNotSuppliedError } from "./mesh-stack";
import { settingsFromConfig } from "./settings";

/** Config namespace of the example program (`meshwright:keycloakPort`, ...). */
export const CONFIG_NAMESPACE = "meshwright";

/** The stack outputs of {@link meshProgram}. */
export type MeshOutputs = Pick<
  MeshStack,
  "consulUrl" | "keycloakUrl" | "ingressUrl" | "prometheusUrl" | "keycloakAdmin" | "userPasswords" | "secretValues" | "serviceAddresses" | "dockerNames"
>;

/**
 * The example program: a mesh (the shop by default) as a {@link MeshStack}, with ports and
 * images from stack config. Used by `infra/index.ts` (the program Pulumi.yaml names) and
 * inline by `meshwright up` (for the example, and for a file that exports a Mesh or a MeshPlan).
 *
 * An invalid mesh (or a secret to supply that is missing, a build context or an image that
 * is not there) is reported as Pulumi errors, one line per issue, and the program registers nothing
 * (so `pulumi preview` fails with the SDK's messages and no stack trace); the result is then
 * undefined.
 */
export function meshProgram(mesh: Mesh | MeshSpec | MeshPlan = shop, name = meshName(mesh)): MeshOutputs | undefined {
  let stack: MeshStack;
  try {
    const plan: MeshPlan = "containers" in mesh ? mesh : compile(mesh);
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    stack = new MeshStack(name, { plan, ...settingsFromConfig((key) => config.get(key)) });
  } catch (error) {
    if (!(
      error instanceof MeshValidationError ||
      error instanceof SecretsNotSuppliedError ||
      error instanceof InsecurePlanError ||
      error instanceof BuildContextError ||
      error instanceof ImagesMissingError
    ))
      throw error;
    // Thrown, it would also resurface as unhandled rejections after an inline run ends.
    void pulumi.log.error(error.message);
    return undefined;
  }
  return {
    consulUrl: stack.consulUrl,
    keycloakUrl: stack.keycloakUrl,
    ingressUrl: stack.ingressUrl,
    prometheusUrl: stack.prometheusUrl,
    keycloakAdmin: stack.keycloakAdmin,
    userPasswords: stack.userPasswords,
    secretValues: stack.secretValues,
    serviceAddresses: stack.serviceAddresses,
    dockerNames: stack.dockerNames,
  };
}

/** The name a mesh, its spec or its plan gives the MeshStack. */
export function meshName(mesh: Mesh | MeshSpec | MeshPlan): string {
  return mesh instanceof Mesh ? mesh.name : "containers" in mesh ? mesh.mesh.name : mesh.name;
}
