import { command } from "../invocation";
import { causeInLog, ClusterStartError } from "./errors";
import type { ClusterLayout } from "./layout";
import { clusterBin } from "./paths";
import { exitOf, logPath, runningPid, sleep } from "./processes";

/** What {@link waitUntil} waits for. */
export interface WaitSpec {
  /** What is awaited, for the timeout message (`the API server to answer /readyz`). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Processes that must keep running meanwhile: one that exits ends the wait with the cause from its log. */
  readonly watch: readonly string[];
  /** The process whose log most likely explains a timeout. */
  readonly blame: string;
}

/**
 * Polls `ready` every 500 ms until it holds. Fails with a {@link ClusterStartError} as soon
 * as a watched process exits (naming it and the likely cause from its log), or at the
 * deadline (with the likely cause from the blamed process's log).
 */
export async function waitUntil(l: ClusterLayout, ready: () => Promise<boolean>, spec: WaitSpec): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    if (await ready()) return;
    for (const name of spec.watch)
      if (runningPid(l, name, clusterBin()) === undefined)
        throw new ClusterStartError(`${name} exited (${exitOf(name) ?? "gone"}) while the cluster started; its log ends: ${causeInLog(logPath(l, name))}`, {
          fix: `read the log, fix the cause, then run ${command("cluster up")} again`,
          log: logPath(l, name),
        });
    if (Date.now() > deadline)
      throw new ClusterStartError(
        `timed out after ${Math.round(spec.timeoutMs / 1000)} s waiting for ${spec.what}; ${spec.blame} last said: ${causeInLog(logPath(l, spec.blame))}`,
        {
          fix: `read the log, fix the cause, then run ${command("cluster up")} again`,
          log: logPath(l, spec.blame),
        },
      );
    await sleep(500);
  }
}
