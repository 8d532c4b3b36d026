import * as pulumi from "@pulumi/pulumi";
import { shop } from "../examples/shop";
import { compile, MeshValidationError, type Mesh, type MeshPlan } from "../sdk";
import { BuildContextError, ImagesMissingError, MeshStack, SecretsNotSuppliedError } from "./mesh-stack";
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
 * inline by `npm start`.
 *
 * An invalid mesh (or a secret to supply that is missing, a build context or an image that
 * is not there) is reported as Pulumi errors, one line per issue, and the program registers nothing
 * (so `pulumi preview` fails with the SDK's messages and no stack trace); the result is then
 * undefined.
 */
export function meshProgram(mesh: Mesh = shop, name = mesh.name): MeshOutputs | undefined {
  let stack: MeshStack;
  try {
    const plan: MeshPlan = compile(mesh);
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    stack = new MeshStack(name, { plan, ...settingsFromConfig((key) => config.get(key)) });
  } catch (error) {
    if (!(error instanceof MeshValidationError || error instanceof SecretsNotSuppliedError || error instanceof BuildContextError || error instanceof ImagesMissingError)) throw error;
    // Thrown, it would also resurface as unhandled rejections after an inline run ends.
    pulumi.log.error(error.message);
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
