import { getContainerRuntimeClient, ImageName } from "testcontainers";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { reaperImages } from "./reaper";

/** A local image the harness needs is not there. */
export class MissingImageError extends Error {
  override readonly name = "MissingImageError";
  constructor(readonly missing: readonly string[]) {
    const why = missing.includes(IMAGE_TAGS.reaper)
      ? ` (${IMAGE_TAGS.reaper} is the reaper testcontainers starts first, to remove a test's containers if its process dies)`
      : "";
    const own = missing.filter((t) => t.startsWith("meshwright/"));
    const users = missing.filter((t) => !t.startsWith("meshwright/"));
    super(
      [
        own.length
          ? `missing local image${own.length > 1 ? "s" : ""} ${own.join(", ")}: run \`npm run images\` (or \`npx meshwright images\`) to build ${own.length > 1 ? "them" : "it"}${why}`
          : "",
        users.length
          ? `missing app image${users.length > 1 ? "s" : ""} ${users.join(", ")}: meshwright pulls nothing; build ${users.length > 1 ? "them" : "it"} on this Docker engine (docker build -t <image> .) or load ${users.length > 1 ? "them" : "it"} (docker load), or declare app: { build: { context } } to have the mesh build it`
          : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
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
