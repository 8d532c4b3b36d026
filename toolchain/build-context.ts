import dockerignore from "@balena/dockerignore";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/** A Docker build of an app, as the plan describes it (`PlannedBuild`). */
export interface BuildSpec {
  readonly name: string;
  readonly context: string;
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly repository: string;
}

/** A build cannot start: its context or Dockerfile is missing. */
export class BuildContextError extends Error {
  override readonly name = "BuildContextError";
}

/** The build context as an absolute folder: relative ones are taken from `cwd`. */
export function contextDir(build: BuildSpec, cwd = process.cwd()): string {
  return isAbsolute(build.context) ? build.context : resolve(cwd, build.context);
}

/**
 * The files Docker would receive as the build context, relative to it, sorted: every file
 * below the context except those `.dockerignore` excludes (the Dockerfile and `.dockerignore`
 * always go). Fails naming the service when the context or its Dockerfile does not exist.
 */
export function contextFiles(build: BuildSpec, cwd = process.cwd()): string[] {
  const dir = contextDir(build, cwd);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BuildContextError(
      `service ${build.name}: build context ${dir} is not a folder (app.build.context is "${build.context}"; relative paths start at ${cwd})`,
    );
  if (!existsSync(join(dir, build.dockerfile)))
    throw new BuildContextError(`service ${build.name}: no ${build.dockerfile} in build context ${dir} (set app.build.dockerfile if it has another name)`);
  const ignoreFile = join(dir, ".dockerignore");
  const ignore = dockerignore({ ignorecase: false }).add(existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "");
  const all = walk(dir, dir);
  const kept = new Set(ignore.filter(all));
  for (const always of [build.dockerfile.split(sep).join("/"), ".dockerignore"]) if (all.includes(always)) kept.add(always);
  return [...kept].sort();
}

/**
 * Whether the context's `.dockerignore` excludes its own Dockerfile (as `*` followed by `!`
 * exceptions does). `docker build` sends such a Dockerfile anyway; not every client does.
 */
export function dockerfileIgnored(build: BuildSpec, cwd = process.cwd()): boolean {
  const ignoreFile = join(contextDir(build, cwd), ".dockerignore");
  if (!existsSync(ignoreFile)) return false;
  return dockerignore({ ignorecase: false }).add(readFileSync(ignoreFile, "utf8")).ignores(build.dockerfile.split(sep).join("/"));
}

function walk(root: string, dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return walk(root, full);
    if (entry.isFile() || entry.isSymbolicLink()) return [relative(root, full).split(sep).join("/")];
    return [];
  });
}

/**
 * A tag for the image: a hash of the context's files (names, modes and contents), the
 * Dockerfile's name, the build args and the target. Same inputs, same tag, so an image that
 * exists is not built again, and a changed file changes only its own service's tag.
 */
export function contentTag(build: BuildSpec, cwd = process.cwd()): string {
  const dir = contextDir(build, cwd);
  const h = createHash("sha256");
  h.update(JSON.stringify({ dockerfile: build.dockerfile, args: Object.entries(build.args).sort(), target: build.target ?? null }));
  for (const file of contextFiles(build, cwd)) {
    const full = join(dir, file);
    h.update(`\0${file}\0${statSync(full).mode & 0o777}\0`);
    h.update(readFileSync(full));
  }
  return h.digest("hex").slice(0, 16);
}

/** `<repository>:<content tag>`. */
export function builtImageName(build: BuildSpec, cwd = process.cwd()): string {
  return `${build.repository}:${contentTag(build, cwd)}`;
}
