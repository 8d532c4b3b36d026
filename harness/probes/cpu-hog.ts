import { GenericContainer } from "testcontainers";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { requireImages } from "../realize/images";

/** Options for {@link startCpuHog}. */
export interface CpuHogOptions {
  /** Busy loops to run. @default every CPU the Docker engine's machine has (`nproc` in the container) */
  readonly workers?: number;
}

/** A running CPU hog; {@link CpuHog.stop} removes it. */
export interface CpuHog {
  /** The busy loops it runs. */
  readonly workers: number;
  /** Docker container id. */
  readonly id: string;
  /** Kills the loops and removes the container. */
  stop(): Promise<void>;
}

/** Label on the hog's container, so it can be told from a mesh's. */
export const CPU_HOG_LABEL = "io.meshwright.cpu-hog";

/**
 * Saturates the machine's CPUs beside a running mesh: one busy shell loop per CPU, in a
 * container of meshwright's base image that is on no network (`--network none`), so nothing
 * of the mesh changes but the CPU time left to it. Use it to prove that a bound holds on a
 * busy machine (a CI runner shared with other jobs), not only on an idle one. Started by
 * testcontainers, so its reaper removes it if the test process dies before {@link CpuHog.stop}.
 */
export async function startCpuHog(opts: CpuHogOptions = {}): Promise<CpuHog> {
  await requireImages([IMAGE_TAGS.base]);
  const fixed = opts.workers === undefined ? undefined : Math.max(1, Math.floor(opts.workers));
  // The shell is PID 1 and ignores SIGTERM, so stop() kills it at once (timeout 0).
  const script = `n=${fixed ?? '"$(nproc)"'}; i=0; while [ "$i" -lt "$n" ]; do (while :; do :; done) & i=$((i + 1)); done; wait`;
  const started = await new GenericContainer(IMAGE_TAGS.base)
    .withEntrypoint(["sh", "-c"])
    .withCommand([script])
    .withNetworkMode("none")
    .withLabels({ [CPU_HOG_LABEL]: "true" })
    .start();
  const count = fixed ?? Number((await started.exec(["nproc"])).stdout.trim());
  return {
    workers: count,
    id: started.getId(),
    async stop() {
      await started.stop({ timeout: 0 });
    },
  };
}
