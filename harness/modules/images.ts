import { getContainerRuntimeClient, ImageName } from "testcontainers";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { reaperImages } from "./reaper";

/** A local image the harness needs is not there. */
export class MissingImageError extends Error {
  override readonly name = "MissingImageError";
  constructor(readonly missing: readonly string[]) {
    const why = missing.includes(IMAGE_TAGS.reaper) ? ` (${IMAGE_TAGS.reaper} is the reaper testcontainers starts first, to remove a test's containers if its process dies)` : "";
    super(`missing local image${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: run \`npm run images\` to build ${missing.length > 1 ? "them" : "it"}${why}`);
  }
}

/**
 * Fails (never skips) when any image is missing, naming the command that builds it.
 * The reaper image testcontainers will start is always checked too: without it, the first
 * container fails with a registry pull error instead.
 * Without a Docker engine testcontainers throws first; its message is kept and the fix added.
 */
export async function requireImages(tags: readonly string[]): Promise<void> {
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    throw new Error(`no Docker engine answers: run \`npm run docker\` (${(err as Error).message})`, { cause: err });
  }
  const wanted = [...new Set([...tags, ...reaperImages()])];
  const exists = await Promise.all(wanted.map((t) => client.image.exists(ImageName.fromString(t))));
  const missing = wanted.filter((_, i) => !exists[i]);
  if (missing.length) throw new MissingImageError(missing);
}
