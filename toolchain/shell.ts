import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { ImageBuildError } from "./errors";
import { command } from "./invocation";

/** Options for one external command of a build step. */
export interface RunOptions {
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** The step's log file; stdout and stderr are appended to it. */
  log: string;
  /** Feed this to the command's standard input. */
  input?: NodeJS.ReadableStream;
  /** Turn a failure into a one-line cause and a fix, given the output's last lines. */
  explain?: (tail: string) => { reason: string; fix: string } | undefined;
}

/** Runs a command, logging its output; rejects with an {@link ImageBuildError} on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<void> {
  appendFileSync(opts.log, `\n$ ${cmd} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"],
    });
    const write = (chunk: Buffer) => appendFileSync(opts.log, chunk);
    child.stdout!.on("data", write);
    child.stderr!.on("data", write);
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on("error", (err) =>
      reject(
        new ImageBuildError(`cannot run ${cmd}: ${err.message}`, `${command("setup")} installs it where it can (see README.md)`, opts.log, { cause: err }),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) return resolve();
      const tail = lastLines(opts.log, 15);
      const known = opts.explain?.(tail) ?? explainCommon(tail);
      reject(
        new ImageBuildError(
          known?.reason ?? `${cmd} exited with ${code}: ${tail.trim().split("\n").pop() ?? ""}`,
          known?.fix ?? `read the log, fix the cause, then run ${command("images")} again`,
          opts.log,
        ),
      );
    });
  });
}

/** Runs a command and returns its standard output (for short queries, not builds). */
export function capture(cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The last `n` lines of a file. */
export function lastLines(path: string, n: number): string {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .slice(-n - 1)
      .join("\n");
  } catch {
    return "";
  }
}

/** Causes that look the same whichever tool hit them. */
function explainCommon(tail: string): { reason: string; fix: string } | undefined {
  if (/no space left on device/i.test(tail))
    return { reason: "the disk is full", fix: `free disk space (e.g. \`docker system prune\`), then run ${command("images")} again` };
  if (/could not resolve|temporary failure in name resolution|network is unreachable|connection refused|timed? ?out|dial tcp/i.test(tail))
    return {
      reason: "a package registry could not be reached",
      fix: `check this machine's network access to the package registries, then run ${command("images")} again`,
    };
  if (/Cannot connect to the Docker daemon|docker.sock/i.test(tail)) return { reason: "no Docker engine answers", fix: command("setup") };
  return undefined;
}
