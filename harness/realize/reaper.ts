import { IMAGE_TAGS } from "../../toolchain/images/components";

/**
 * The variable testcontainers-node (12.x) reads for its reaper's image. Not
 * `TESTCONTAINERS_RYUK_CONTAINER_IMAGE`: that is the Java library's name, and the
 * Node library ignores it.
 */
export const REAPER_IMAGE_VARIABLE = "RYUK_CONTAINER_IMAGE";

// testcontainers starts a reaper container (Ryuk) before the first container or network
// of a process, and Ryuk's image comes from a container registry these machines cannot
// reach. meshwright's own reaper speaks the same protocol and is built by `npm run images`.
// testcontainers reads the variable each time it needs it (reaper.js getReaperImage(), at
// every GenericContainer construction and reaper start), never at import, so setting it
// when the harness loads is in time for anything the harness or the user starts. A value
// the user set wins; an empty one means "the default" to testcontainers, so it is replaced.
if (!process.env[REAPER_IMAGE_VARIABLE]) process.env[REAPER_IMAGE_VARIABLE] = IMAGE_TAGS.reaper;

/**
 * The reaper image that must exist locally before containers start: meshwright's, unless
 * the user chose another image or disabled the reaper (`TESTCONTAINERS_RYUK_DISABLED=true`).
 */
export function reaperImages(): string[] {
  if (process.env.TESTCONTAINERS_RYUK_DISABLED === "true") return [];
  return process.env[REAPER_IMAGE_VARIABLE] === IMAGE_TAGS.reaper ? [IMAGE_TAGS.reaper] : [];
}
