import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { PlannedBuild } from "../sdk";
import { builtImageName, contextDir, dockerfileIgnored, type BuildSpec } from "../toolchain/build-context";
import { cacheRoot } from "../toolchain/cache";
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
  BUILDS.set(name, { build, dir });
  return new docker.RemoteImage(
    name,
    {
      name: builtImageName(build, options.cwd),
      build: {
        context: dir,
        dockerfile: providerDockerfile(build, dir, options.cwd),
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

/**
 * The Dockerfile path the provider is given. Absolute: the provider reads a relative one
 * against its own working folder. And outside the context when the context's `.dockerignore`
 * excludes the Dockerfile (`*` with `!` exceptions): the provider then leaves it out of what
 * it sends, where `docker build` keeps it, and the build fails with "failed to read
 * dockerfile". A Dockerfile from outside the context the provider adds itself, so such a
 * Dockerfile is given as a copy in meshwright's cache, named by its content so that an
 * unchanged Dockerfile keeps the same path and a second `pulumi up` sees no change.
 */
export function providerDockerfile(build: BuildSpec, dir: string, cwd?: string): string {
  const inContext = join(dir, build.dockerfile || "Dockerfile");
  if (!dockerfileIgnored(build, cwd)) return inContext;
  const content = readFileSync(inContext);
  const copy = join(cacheRoot(), "dockerfiles", createHash("sha256").update(content).digest("hex").slice(0, 16), "Dockerfile");
  if (!existsSync(copy)) {
    mkdirSync(join(copy, ".."), { recursive: true });
    writeFileSync(copy, content);
  }
  return copy;
}

/** The builds of this process's programs by RemoteImage resource name, to explain a failed one. */
const BUILDS = new Map<string, { readonly build: PlannedBuild; readonly dir: string }>();

/** What a failed app image build said. */
export interface BuildFailure {
  /** The service whose app it is (the build's name). */
  readonly service: string;
  readonly dockerfile: string;
  /** The last lines of the build's output. */
  readonly lastLines: readonly string[];
}

/**
 * Why the app image of RemoteImage `resource` (registered by {@link appImage} in this process)
 * did not build: the provider builds with BuildKit and reports only the failing step, so the
 * build is run again with the classic builder, whose output has every step's lines (the steps
 * before the failing one come from the cache). Undefined for a resource this process did not
 * register.
 */
export async function explainBuildFailure(resource: string, lines = 15): Promise<BuildFailure | undefined> {
  const found = BUILDS.get(resource);
  if (!found) return undefined;
  const { build, dir } = found;
  const dockerfile = join(dir, build.dockerfile || "Dockerfile");
  const args = [
    "build",
    "--rm",
    "--force-rm",
    "-f",
    dockerfile,
    ...Object.entries(build.args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
    ...(build.target ? ["--target", build.target] : []),
    dir,
  ];
  const output = await new Promise<string>((resolve) => {
    const child = spawn("docker", args, { env: { ...process.env, DOCKER_BUILDKIT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    child.stderr.on("data", (c: Buffer) => (text += c.toString()));
    child.on("error", (e) => resolve(`${text}\n(could not run docker build: ${e.message})`));
    child.on("close", () => resolve(text));
  });
  // Without colours, and from the first step on (the classic builder first says it is deprecated).
  const all = output
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
    .split("\n")
    .filter((l) => l.trim());
  const from = all.findIndex((l) => /^(Sending build context|Step 1\/)/.test(l));
  return { service: build.name, dockerfile, lastLines: all.slice(Math.max(0, from)).slice(-lines) };
}
