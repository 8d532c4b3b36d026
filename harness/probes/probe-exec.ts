import type { ExecResult } from "testcontainers";

/** What `workload get` saw: its curl-like exit code (7 refused, 28 timeout), status, headers and body. */
export interface ExecHttpResult {
  readonly exitCode: number;
  readonly status?: number;
  /** Response headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Request options for {@link execHttp}. */
export interface ExecHttpOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly method?: string;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/** Anything commands can be run in (a started or attached container). */
export interface Execs {
  exec(command: string[]): Promise<ExecResult>;
}

/**
 * An HTTP request made from inside a container's network namespace by the workload binary's
 * curl-like client (`workload get`), which every probe container has whatever the app is.
 */
export async function execHttp(container: Execs, url: string, opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
  const args = ["workload", "get", url, "--headers"];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.method) args.push("-X", opts.method);
  if (opts.body !== undefined) args.push("-d", opts.body);
  if (opts.timeoutMs) args.push("--timeout-ms", String(opts.timeoutMs));
  const r = await container.exec(args);
  const status = /^status: (\d+)$/m.exec(r.stderr)?.[1];
  const headers: Record<string, string> = {};
  for (const m of r.stderr.matchAll(/^header: ([^:]+): (.*)$/gm)) headers[m[1]!.toLowerCase()] = m[2]!;
  return { exitCode: r.exitCode, ...(status ? { status: Number(status) } : {}), headers, body: r.stdout };
}
