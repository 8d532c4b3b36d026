import { pack } from "tar-fs";
import { getContainerRuntimeClient } from "testcontainers";
import type { MeshPlan } from "../../sdk";
import { builtImageName, contextDir, contextFiles } from "../../toolchain/build-context";

/** An app image could not be built; names the service, the failing step and the build's last lines. */
export class AppBuildError extends Error {
  override readonly name = "AppBuildError";
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Builds every app image of the plan that is not on the engine yet, each tagged by the hash
 * of its context (so an unchanged app is not built again, in this run or the next), and
 * returns the image name by build name. Built images are kept: they are the cache.
 */
export async function buildApps(plan: MeshPlan, options: { cwd?: string; log?: (line: string) => void } = {}): Promise<Record<string, string>> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => undefined);
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const images: Record<string, string> = {};
  for (const build of plan.builds) {
    const image = builtImageName(build, cwd);
    images[build.name] = image;
    const exists = await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (exists) {
      log(`  app ${build.name}: ${image} (cached)`);
      continue;
    }
    const started = Date.now();
    log(`  app ${build.name}: building ${image} from ${contextDir(build, cwd)}`);
    // Packed here from contextFiles (which honours .dockerignore but, as Docker does, always
    // sends the Dockerfile); dockerode's own packing drops an ignored Dockerfile.
    const stream = await docker.buildImage(pack(contextDir(build, cwd), { entries: contextFiles(build, cwd) }) as unknown as NodeJS.ReadableStream, {
      t: image,
      dockerfile: build.dockerfile,
      buildargs: { ...build.args },
      ...(build.target ? { target: build.target } : {}),
      labels: { "io.meshwright.build": build.name },
    });
    const lines: string[] = [];
    const failure = await new Promise<string | undefined>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve(undefined)),
        (event: BuildEvent) => {
          if (event.stream) lines.push(...event.stream.split("\n").filter((l) => l.trim()));
          if (event.error) resolve(event.errorDetail?.message ?? event.error);
        },
      );
    });
    if (failure !== undefined) {
      const step = [...lines].reverse().find((l) => /^Step \d+\/\d+ :/.test(l)) ?? "(before the first step)";
      throw new AppBuildError(
        `service ${build.name}: building its app image failed at ${step}: ${failure}\n  last lines of the build:\n${lines
          .slice(-10)
          .map((l) => `    ${l}`)
          .join("\n")}`,
      );
    }
    log(`  app ${build.name}: built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return images;
}
