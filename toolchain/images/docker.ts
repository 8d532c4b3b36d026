import { ImageBuildError } from "../errors";
import { capture, run } from "../shell";
import { command } from "../invocation";

/** The label that records which recipe produced an image, so an unchanged recipe builds nothing. */
export const FINGERPRINT_LABEL = "io.meshwright.fingerprint";

/** Fails with the fixing command when no Docker engine answers. */
export async function requireDocker(): Promise<void> {
  const { code, stderr } = await capture("docker", ["version", "--format", "{{.Server.Version}}"]);
  if (code !== 0) throw new ImageBuildError(`no Docker engine answers (${stderr.trim().split("\n")[0] ?? "docker failed"})`, command("setup"));
}

/** The fingerprint label of a local image, or undefined when the tag does not exist. */
export async function imageFingerprint(tag: string): Promise<string | undefined> {
  const { code, stdout } = await capture("docker", ["image", "inspect", "--format", `{{index .Config.Labels "${FINGERPRINT_LABEL}"}}`, tag]);
  return code === 0 ? stdout.trim() : undefined;
}

/** Size of a local image in bytes. */
export async function imageSize(tag: string): Promise<number | undefined> {
  const { code, stdout } = await capture("docker", ["image", "inspect", "--format", "{{.Size}}", tag]);
  return code === 0 ? Number(stdout.trim()) : undefined;
}

/**
 * Builds `contextDir` (which holds a Dockerfile) into `tag`. Docker only writes the tag
 * when the whole build succeeds, so a failed build never leaves a half-made tag behind.
 */
export async function buildImage(contextDir: string, tag: string, fingerprint: string, log: string): Promise<void> {
  await run("docker", ["build", "--force-rm", "--label", `${FINGERPRINT_LABEL}=${fingerprint}`, "-t", tag, contextDir], { log, env: { DOCKER_BUILDKIT: "0" } });
}
