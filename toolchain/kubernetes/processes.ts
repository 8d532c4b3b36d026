import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterLayout } from "./layout";

/** A long-running process of the cluster. */
export interface DaemonSpec {
  /** Name of its pid and log files, e.g. `kube-apiserver`. */
  readonly name: string;
  /** Absolute path of its binary (in the cluster's bin folder: that is how `down` recognizes it). */
  readonly binary: string;
  readonly args: readonly string[];
  /** Extra environment. */
  readonly env?: Record<string, string>;
  /** A network namespace (`/run/netns/…`) to run it in, entered with `nsenter --net` (the mounts stay the host's). */
  readonly netns?: string;
}

/** The cluster's processes in the order `up` starts them; `down` stops them in reverse. */
export const DAEMONS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "containerd", "kubelet", "kube-proxy"] as const;

/** One of {@link DAEMONS}. */
export type DaemonName = (typeof DAEMONS)[number];

/**
 * Starts a process that outlives this one (its own session, output in `<logs>/<name>.log`,
 * begun afresh) and records its pid in `pids/<name>.pid`; returns the pid.
 */
export async function startDaemon(l: ClusterLayout, spec: DaemonSpec): Promise<number> {
  mkdirSync(l.logs, { recursive: true });
  mkdirSync(l.pids, { recursive: true });
  const out = openSync(logPath(l, spec.name), "w");
  const [cmd, args] = spec.netns ? ["nsenter", [`--net=${spec.netns}`, spec.binary, ...spec.args]] : [spec.binary, spec.args];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out], env: { ...process.env, ...spec.env } });
    if (child.pid === undefined) throw new Error(`${spec.binary} did not start`);
    child.on("exit", (code, signal) => exits.set(spec.name, signal ? `killed by ${signal}` : `exit code ${code}`));
    child.unref();
    exits.delete(spec.name);
    writeFileSync(pidPath(l, spec.name), String(child.pid));
    // nsenter execs the binary under the same pid: wait for that, so the pid is the binary's when checked.
    for (let i = 0; spec.netns && i < 50 && alive(child.pid) && exeOf(child.pid) !== spec.binary; i++) await sleep(20);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** How each process this one started has ended (`exit code 1`, `killed by SIGKILL`), while this process lives. */
const exits = new Map<string, string>();

/** How a process started by this one ended, if it has and this process saw it. */
export function exitOf(name: string): string | undefined {
  return exits.get(name);
}

/** `logs/<name>.log`. */
export function logPath(l: ClusterLayout, name: string): string {
  return join(l.logs, `${name}.log`);
}

function pidPath(l: ClusterLayout, name: string): string {
  return join(l.pids, `${name}.pid`);
}

/** The pid in a process's pid file when that process still runs the cluster's binary, else undefined (a stale file). */
export function runningPid(l: ClusterLayout, name: string, binDir: string): number | undefined {
  const file = pidPath(l, name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return pid > 0 && exeOf(pid)?.startsWith(`${binDir}/`) ? pid : undefined;
}

/** Removes a process's pid file. */
export function forgetPid(l: ClusterLayout, name: string): void {
  rmSync(pidPath(l, name), { force: true });
}

/** The executable a process runs, without the ` (deleted)` suffix of a replaced binary, or undefined when it is gone. */
export function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
  } catch {
    return undefined;
  }
}

/** Every process whose executable is in `binDir`: the cluster's daemons and containerd's shims, whatever their pid files say. */
export function processesFrom(binDir: string): { pid: number; exe: string }[] {
  const found: { pid: number; exe: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const exe = exeOf(pid);
    if (exe?.startsWith(`${binDir}/`)) found.push({ pid, exe });
  }
  return found;
}

/** Whether a kubelet that is not meshwright's runs here (then the host's `kubepods` cgroups are not meshwright's to remove). */
export function foreignKubelet(binRoot: string): boolean {
  for (const entry of readdirSync("/proc")) {
    const exe = /^\d+$/.test(entry) ? exeOf(Number(entry)) : undefined;
    if (exe?.endsWith("/kubelet") && !exe.startsWith(`${binRoot}/`)) return true;
  }
  return false;
}

/** Whether a process is still there (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`; resolves when all are gone. */
export async function stopProcesses(pids: readonly number[], graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => pids.filter(alive).forEach((p) => tryKill(p, sig));
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  signal("SIGKILL");
  while (pids.some(alive) && Date.now() < deadline + 5_000) await sleep(100);
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
