import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { PlannedBuild } from "../sdk";
import { STACK_LABEL } from "./container-args";

/** A build the plan asks for that cannot start: its context folder or Dockerfile is missing. */
export class BuildContextError extends Error {
  override readonly name = "BuildContextError";
}

/**
 * The image of a {@link PlannedBuild}: `<repository>:<hash>`, the hash over every file of the
 * build context that Docker is sent (its path, executable bit and content; symlinks by target),
 * the Dockerfile's path, the build args and the target. The same context gives the same name,
 * so a second `pulumi up` rebuilds nothing; a changed file gives a new name, which replaces the
 * image and the containers that run it, and nothing else.
 *
 * `.dockerignore` is honoured for the patterns Docker documents (`*`, `?`, `**`, `[...]`,
 * comments, `!` exceptions, the last match winning); a pattern with a backslash escape is not
 * understood and excludes nothing here, so such a file changes the name without need, never
 * the other way round.
 */
export function buildImageName(build: PlannedBuild, cwd = process.cwd()): string {
  return `${build.repository}:${contextHash(build, cwd).slice(0, 20)}`;
}

/** The folder a build's context is in: absolute, or relative to `cwd`. */
export function contextDir(build: PlannedBuild, cwd = process.cwd()): string {
  return resolve(cwd, build.context);
}

/** SHA-256 (hex) of what decides a build's result; see {@link buildImageName}. */
export function contextHash(build: PlannedBuild, cwd = process.cwd()): string {
  const dir = contextDir(build, cwd);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BuildContextError(`the app of service ${build.name} is built from ${dir}, which is not a folder (plan.builds: context ${JSON.stringify(build.context)})`);
  const dockerfile = build.dockerfile || "Dockerfile";
  if (!existsSync(join(dir, dockerfile)))
    throw new BuildContextError(`the app of service ${build.name} is built with ${join(dir, dockerfile)}, which does not exist`);
  const ignore = existsSync(join(dir, ".dockerignore")) ? parseDockerignore(readFileSync(join(dir, ".dockerignore"), "utf8")) : [];
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ dockerfile, args: Object.entries(build.args).sort(), target: build.target ?? null }));
  for (const file of contextFiles(dir, ignore, dockerfile)) {
    const full = join(dir, file);
    const st = lstatSync(full);
    hash.update(`\0${file}\0`);
    if (st.isSymbolicLink()) hash.update(`link:${readlinkSync(full)}`);
    else hash.update(`${st.mode & 0o111 ? "x" : "-"}`).update(readFileSync(full));
  }
  return hash.digest("hex");
}

/** Files of the context Docker is sent, as sorted POSIX paths relative to `dir`. */
export function contextFiles(dir: string, ignore: readonly IgnoreRule[], dockerfile = "Dockerfile"): string[] {
  const keep = new Set([posix.normalize(dockerfile.split(sep).join("/")), ".dockerignore"]);
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(abs, entry.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (entry.isDirectory()) {
        // A folder is walked even when it is excluded: an exception may bring back a file in it.
        walk(full);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && (keep.has(rel) || !ignored(rel, ignore))) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/** One `.dockerignore` line: a pattern, and whether it is an exception (`!`). */
export interface IgnoreRule {
  readonly pattern: RegExp;
  readonly exception: boolean;
}

/** The rules of a `.dockerignore`; lines it cannot read (backslash escapes) are left out. */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text.split(/\r?\n/).flatMap((raw) => {
    let line = raw.trim();
    if (!line || line.startsWith("#")) return [];
    const exception = line.startsWith("!");
    if (exception) line = line.slice(1).trim();
    if (line.includes("\\")) return [];
    line = posix.normalize(line.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (line === "." || line === "") return [];
    return [{ pattern: globToRegExp(line), exception }];
  });
}

/** Whether `path` is excluded: the last rule that matches it, or one of its parent folders, decides. */
export function ignored(path: string, rules: readonly IgnoreRule[]): boolean {
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let excluded = false;
  for (const rule of rules) if (prefixes.some((p) => rule.pattern.test(p))) excluded = !rule.exception;
  return excluded;
}

/** Go's `filepath.Match` syntax plus `**` (any number of folders), as Docker reads it. */
function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else re += ".*";
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, end);
        re += `[${body.startsWith("^") || body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** How a MeshStack builds app images. */
export interface AppImageOptions {
  /** Value of {@link STACK_LABEL} on the image. */
  readonly stack: string;
  /** Folder relative contexts are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * The image of a {@link PlannedBuild}, built by the Docker provider from its Dockerfile (the
 * classic builder, which needs no BuildKit session) and kept on the engine: nothing is pushed,
 * and `pulumi destroy` leaves the image (a later `up` of the same context builds nothing).
 */
export function appImage(name: string, build: PlannedBuild, options: AppImageOptions, opts?: pulumi.CustomResourceOptions): docker.RemoteImage {
  return new docker.RemoteImage(
    name,
    {
      name: buildImageName(build, options.cwd),
      build: {
        context: contextDir(build, options.cwd),
        // Absolute: the provider reads a relative Dockerfile path against its own working folder.
        dockerfile: join(contextDir(build, options.cwd), build.dockerfile || "Dockerfile"),
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
