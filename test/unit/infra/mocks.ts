import * as pulumi from "@pulumi/pulumi";
import { generateSecretValues } from "../../../sdk/secrets/generate";
import type { PlanSecret } from "../../../sdk/plan";

/** A resource the mocked engine was asked to create. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Type tokens of the resources MeshStack registers. */
export const TYPES = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  image: "docker:index/remoteImage:RemoteImage",
  secrets: "pulumi-nodejs:dynamic/meshwright:MeshSecrets",
  configEntry: "pulumi-nodejs:dynamic/consul:ConfigEntry",
  policy: "pulumi-nodejs:dynamic/consul:AclPolicy",
  token: "pulumi-nodejs:dynamic/consul:AclToken",
} as const;

/**
 * Installs Pulumi's mocks and records every resource registration, in the order the
 * resources are registered (a resource waits for those it depends on). Providers' outputs are
 * imitated: containers get a fake id and mesh address, MeshSecrets real generated values,
 * images their id.
 */
export function recordResources(): Registered[] {
  const registered: Registered[] = [];
  let ip = 1;
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        registered.push({ type: args.type, name: args.name, inputs });
        const extra =
          args.type === TYPES.container
            ? { networkDatas: [{ ipAddress: `10.9.0.${ip++}` }] }
            : args.type === TYPES.secrets
              ? { values: generateSecretValues(inputs.specs as PlanSecret[]) }
              : args.type === TYPES.image
                ? { imageId: `sha256:${args.name}` }
                : {};
        return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
      },
      call: (args) => args.inputs,
    },
    "meshwright",
    "unit",
    false,
  );
  return registered;
}

/** The value of an output (mocks resolve them all). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Lets pending registrations reach the mocks. */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
