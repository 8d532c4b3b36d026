import { join } from "node:path";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { PlannedBuild } from "../sdk";
import { builtImageName, contextDir } from "../toolchain/build-context";
import { STACK_LABEL } from "./container-args";

export { BuildContextError } from "../toolchain/build-context";

/** How a MeshStack builds app images. */
export interface AppImageOptions {
  /** Value of {@link STACK_LABEL} on the image. */
  readonly stack: string;
  /** Folder relative contexts are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * The image of a {@link PlannedBuild}, built by the Docker provider from its Dockerfile and
 * kept on the engine: nothing is pushed, and `pulumi destroy` leaves the image.
 *
 * Its name is `<repository>:<content tag>` (toolchain/build-context.ts, which the harness uses
 * too): a hash of every file Docker is sent (`.dockerignore` honoured), the Dockerfile's name,
 * the build args and the target. An unchanged context gives the same name, so a second
 * `pulumi up` builds nothing; a changed file gives a new name, which replaces this image and
 * the containers that run it, and nothing else. Computing it throws `BuildContextError`,
 * naming the service, when the context or its Dockerfile is missing.
 *
 * The classic builder: it needs no BuildKit session, and its output is what a failed build
 * reports.
 */
export function appImage(name: string, build: PlannedBuild, options: AppImageOptions, opts?: pulumi.CustomResourceOptions): docker.RemoteImage {
  const dir = contextDir(build, options.cwd);
  return new docker.RemoteImage(
    name,
    {
      name: builtImageName(build, options.cwd),
      build: {
        context: dir,
        // Absolute: the provider reads a relative Dockerfile path against its own working folder.
        dockerfile: join(dir, build.dockerfile || "Dockerfile"),
        buildArgs: { ...build.args },
        ...(build.target ? { target: build.target } : {}),
        labels: { [STACK_LABEL]: options.stack, "io.meshwright.build": build.name },
        useLegacyBuilder: true,
      },
      keepLocally: true,
    },
    opts,
  );
}
