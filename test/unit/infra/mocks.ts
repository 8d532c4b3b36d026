import * as pulumi from "@pulumi/pulumi";

/** A resource the mocked engine was asked to create. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/**
 * Installs Pulumi's mocks and records every resource registration. Containers get a
 * fake id and mesh address, as the Docker provider would report them.
 */
export function recordResources(): Registered[] {
  const registered: Registered[] = [];
  let ip = 1;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const extra = args.type === "docker:index/container:Container" ? { networkDatas: [{ ipAddress: `10.9.0.${ip++}` }] } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
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
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
