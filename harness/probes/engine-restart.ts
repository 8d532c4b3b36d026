import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { cacheRoot } from "../../toolchain/cache";
import { eventually } from "./eventually";

/** What {@link restartDockerEngine} did. */
export interface EngineRestart {
  /** How the engine was restarted: its systemd unit, or its process started again with the same arguments. */
  readonly how: "systemd" | "process";
  /** From the stop signal until the engine answered again. */
  readonly downMs: number;
  /** Whether the engine keeps containers running while it is down (`live-restore`). */
  readonly liveRestore: boolean;
}

/** Options of {@link restartDockerEngine}. */
export interface RestartOptions {
  /** How long the engine may take to stop, and to answer again. @default 120000 */
  readonly timeoutMs?: number;
  /**
   * Runs once the engine has stopped and before it starts again: e.g. kill the containers'
   * processes, as a crash of the host does, so that the engine finds them dead when it starts.
   */
  readonly whileDown?: () => Promise<void> | void;
}

/** The engine's `live-restore` setting, from `docker info`. */
export async function engineLiveRestore(docker: Docker = new Docker()): Promise<boolean> {
  const info = (await docker.info()) as { LiveRestoreEnabled?: boolean };
  return info.LiveRestoreEnabled === true;
}

/**
 * Restarts the local Docker engine, as an upgrade or a crash of the daemon would, and waits
 * until it answers again. Whether containers keep running meanwhile is the engine's
 * `live-restore` setting; without it the engine stops them all, and brings back by their
 * restart policies those it can (see the README's "When the Docker engine restarts").
 *
 * Works on a local engine only, as root: `systemctl stop` and `start` where a `docker` unit is
 * active, otherwise by stopping the `dockerd` process (SIGTERM, as systemd does) and starting
 * it again with the same arguments, its output appended to `<cache>/dockerd.log` (the engine
 * `npm run docker` starts). Throws, saying why and what to do, where it cannot.
 */
export async function restartDockerEngine(opts: RestartOptions = {}): Promise<EngineRestart> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith("unix://"))
    throw new Error(`restartDockerEngine: DOCKER_HOST is ${host}, a remote engine; only a local engine can be restarted from here (unset DOCKER_HOST)`);
  if (process.getuid?.() !== 0)
    throw new Error(
      "restartDockerEngine: restarting the Docker engine needs root; run the test as root (CI does), or restart it yourself: sudo systemctl restart docker",
    );
  const docker = new Docker();
  const liveRestore = await engineLiveRestore(docker);
  const started = Date.now();
  let how: EngineRestart["how"];
  if (spawnSync("systemctl", ["is-active", "--quiet", "docker"]).status === 0) {
    how = "systemd";
    systemctl("stop");
    await opts.whileDown?.();
    systemctl("start");
  } else {
    how = "process";
    const pid = dockerdPid();
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    process.kill(pid, "SIGTERM");
    await until(() => !existsSync(`/proc/${pid}`), timeoutMs, `dockerd (pid ${pid}) to exit after SIGTERM`);
    await opts.whileDown?.();
    const log = openSync(join(cacheRoot(), "dockerd.log"), "a");
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", log, log] });
    child.unref();
  }
  await until(
    async () =>
      docker.ping().then(
        () => true,
        () => false,
      ),
    timeoutMs,
    `the Docker engine to answer again (log: ${join(cacheRoot(), "dockerd.log")})`,
  );
  return { how, downMs: Date.now() - started, liveRestore };
}

function systemctl(verb: "stop" | "start"): void {
  const r = spawnSync("systemctl", [verb, "docker"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`restartDockerEngine: systemctl ${verb} docker failed: ${r.stderr.trim()}`);
}

/** The one dockerd process on this machine. */
function dockerdPid(): number {
  const r = spawnSync("pgrep", ["-x", "dockerd"], { encoding: "utf8" });
  const pids = r.stdout.trim().split("\n").filter(Boolean).map(Number);
  if (pids.length !== 1)
    throw new Error(
      `restartDockerEngine: expected one dockerd process, found ${pids.length}; start the engine with npm run docker (or under systemd) and try again`,
    );
  return pids[0]!;
}

/** Waits (polling every 100 ms) until `done` says so; the error names what it waited for. */
function until(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  return eventually(
    async () => {
      if (!(await done())) throw new Error("not yet");
    },
    { timeoutMs, intervalMs: 100, what: `restartDockerEngine: ${what}` },
  );
}
