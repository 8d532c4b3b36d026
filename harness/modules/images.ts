import { getContainerRuntimeClient, ImageName } from "testcontainers";

/** A local image the harness needs is not there. */
export class MissingImageError extends Error {
  override readonly name = "MissingImageError";
  constructor(readonly missing: readonly string[]) {
    super(`missing local image${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: run \`npm run images\` to build ${missing.length > 1 ? "them" : "it"}`);
  }
}

/**
 * Fails (never skips) when any image is missing, naming the command that builds it.
 * Without a Docker engine testcontainers throws first; its message is kept and the fix added.
 */
export async function requireImages(tags: readonly string[]): Promise<void> {
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    throw new Error(`no Docker engine answers: run \`npm run docker\` (${(err as Error).message})`, { cause: err });
  }
  const exists = await Promise.all(tags.map((t) => client.image.exists(ImageName.fromString(t))));
  const missing = tags.filter((_, i) => !exists[i]);
  if (missing.length) throw new MissingImageError(missing);
}
