/**
 * A test process that dies leaves nothing behind. testcontainers starts meshwright's reaper
 * (toolchain/reaper) before the first container of a process and keeps a TCP connection to it;
 * when the process is killed the connection drops, and once no client has been connected for
 * the grace period the reaper removes every container and network of the session, then exits.
 *
 * The grace period is the reaper's RYUK_RECONNECTION_TIMEOUT default, 10 s: testcontainers-node
 * passes one only when TESTCONTAINERS_RYUK_RECONNECTION_TIMEOUT is set, which this test unsets, so
 * it proves what a user gets. Measured on the 2-core machine, idle and with both cores busy:
 * the reaper sees the disconnect within 50 ms of the kill, sweeps 10.0 s later, and the sweep
 * (list, force-remove the running container, remove the network) takes 0.2–0.5 s, so the
 * container is gone 10.4–10.5 s after SIGKILL. A run while another mesh was starting on the same
 * Docker engine took 13.8 s; the bound, the grace period plus 15 s, leaves room for a busy engine.
 *
 * It runs in its own jest process (project `reaper`, first in `npm run test:e2e`): all
 * testcontainers processes on a machine share one reaper and one session, and the reaper sweeps
 * only when every one of them is gone, so a jest process that had started containers in an
 * earlier test file would hold this sweep back until it exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { getContainerRuntimeClient } from "testcontainers";
import { requireImages } from "../../harness";
import { containerLogs } from "../../harness/docker/container-logs";
import { IMAGE_TAGS } from "../../toolchain/images/components";

const REPO = resolve(__dirname, "..", "..");
const DOOMED = join(REPO, "test", "fixtures", "reaper", "doomed-test-process.ts");
const GRACE_MS = 10_000;
const BOUND_MS = GRACE_MS + 15_000;

/** What the doomed process started, as it printed it. */
interface Started {
  container: string;
  network: string;
  reaper: string;
}

/** Starts the doomed process with no reaper settings of ours, and waits for its ids. */
function startDoomed(): Promise<{ child: ChildProcess; started: Started }> {
  const env = { ...process.env };
  for (const k of ["RYUK_CONTAINER_IMAGE", "TESTCONTAINERS_RYUK_DISABLED", "TESTCONTAINERS_RYUK_RECONNECTION_TIMEOUT"]) delete env[k];
  // One process (tsx as a loader, not the tsx launcher, which forks): SIGKILL reaches the
  // process that holds the reaper connection.
  const child = spawn(process.execPath, ["--import", "tsx", DOOMED], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the doomed process printed nothing within 120 s; its stderr:\n${err}`));
    }, 120_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (line) {
        clearTimeout(timer);
        done({ child, started: JSON.parse(line) as Started });
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the doomed process exited (${code}) before starting its container:\n${err.trim()}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let doomed: ChildProcess | undefined;
afterAll(() => {
  if (doomed && doomed.exitCode === null && doomed.signalCode === null) doomed.kill("SIGKILL");
});

it("removes the container and network of a test process killed with SIGKILL, after the grace period", async () => {
  // Fails (never skips) without the images: the message names `npm run images`.
  await requireImages([IMAGE_TAGS.workload, IMAGE_TAGS.reaper]);
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const exists = (inspect: () => Promise<unknown>) =>
    inspect().then(
      () => true,
      (e: Error & { statusCode?: number }) => (e.statusCode === 404 ? false : Promise.reject(e)),
    );

  const { child, started } = await startDoomed();
  doomed = child;
  const reaper = await docker.getContainer(started.reaper).inspect();
  expect(reaper.Config.Image).toBe(IMAGE_TAGS.reaper);
  expect((await docker.getContainer(started.container).inspect()).State.Running).toBe(true);
  const connected = [...(await containerLogs(started.reaper)).join("\n").matchAll(/\((\d+) connected\)/g)].map((m) => Number(m[1])).pop();
  if (connected !== 1)
    throw new Error(
      `the reaper ${started.reaper.slice(0, 12)} serves ${connected} clients, not just the doomed process: another testcontainers ` +
        `process on this machine shares it, and the reaper sweeps only when all have gone. Run this test alone.`,
    );
  // Followed, not polled: the reaper removes itself when it exits, and its last lines with it.
  let log = "";
  const sink = new PassThrough().on("data", (chunk: Buffer) => (log += chunk.toString()));
  docker.modem.demuxStream(await docker.getContainer(started.reaper).logs({ follow: true, stdout: true, stderr: true }), sink, sink);

  child.kill("SIGKILL");
  const killedAt = Date.now();
  const gone: Partial<Record<keyof Started, number>> = {};
  const probes: Record<keyof Started, () => Promise<unknown>> = {
    container: () => docker.getContainer(started.container).inspect(),
    network: () => docker.getNetwork(started.network).inspect(),
    reaper: () => docker.getContainer(started.reaper).inspect(),
  };
  while (Object.keys(gone).length < 3 && Date.now() - killedAt < BOUND_MS + 5_000) {
    await sleep(200);
    for (const [what, inspect] of Object.entries(probes) as [keyof Started, () => Promise<unknown>][])
      if (gone[what] === undefined && !(await exists(inspect))) gone[what] = Date.now() - killedAt;
  }
  const seconds = (ms?: number) => (ms === undefined ? "still there" : `${(ms / 1000).toFixed(1)} s`);
  const report = `after SIGKILL: container gone ${seconds(gone.container)}, network ${seconds(gone.network)}, reaper ${seconds(gone.reaper)}`;
  console.log(`${report}\nreaper log:\n${log.trim()}`);

  // Not before the grace period (the process might have reconnected), and not much after it.
  expect(gone.container).toBeGreaterThanOrEqual(GRACE_MS);
  expect(gone.container).toBeLessThan(BOUND_MS);
  expect(gone.network).toBeLessThan(BOUND_MS);
  // The reaper exits after its sweep (auto-removed), so nothing of the session is left.
  expect(gone.reaper).toBeLessThan(BOUND_MS + 5_000);
});
