import { MeshwrightError, MissingPrerequisiteError } from "../errors";
import { command } from "../invocation";
import { lastLines } from "../shell";
import { CLUSTER_BINARIES, missingClusterBinaries } from "./build";
import { clusterBin } from "./paths";

/** The cluster could not start (a missing kernel feature, a port taken, a process that died); `up` has removed what it started. */
export class ClusterStartError extends MeshwrightError {
  override readonly name: string = "ClusterStartError";
}

/** The cluster's binaries are not built. */
export class ClusterBinariesMissingError extends MissingPrerequisiteError {
  override readonly name: string = "ClusterBinariesMissingError";
  constructor(readonly missing: readonly string[]) {
    super(`the local cluster's binaries are not built (missing ${missing.join(", ")} in ${clusterBin()})`, { fix: command("cluster build") });
  }
}

/** Throws {@link ClusterBinariesMissingError} naming the command that builds them, unless all are there. */
export function requireClusterBinaries(): void {
  const missing = missingClusterBinaries();
  if (missing.length) throw new ClusterBinariesMissingError(missing.length === CLUSTER_BINARIES.length ? ["all of them"] : missing);
}

/** The line of a process's log that most likely says why it stopped: the last error-looking line, else the last line. Pure. */
export function likelyCause(logTail: string): string {
  const lines = logTail
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const errorLine = [...lines].reverse().find((l) => /\b(error|fatal|failed|panic|refus|denied|invalid|cannot|unable)\b/i.test(l) || /^[EF]\d{4} /.test(l));
  const line = errorLine ?? lines.pop() ?? "(no output)";
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** The likely cause in a log file's last lines. */
export function causeInLog(log: string): string {
  return likelyCause(lastLines(log, 40));
}
