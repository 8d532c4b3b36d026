import type Dockerode from "dockerode";
import { getContainerRuntimeClient, type BoundPorts, type WaitStrategy } from "testcontainers";
import type { ContainerSpec } from "../../sdk";
import { dockerExec } from "../docker/attached-container";
import { containerLogs } from "../docker/container-logs";

/** A container never became healthy; `tail` holds what it printed, read before it was removed. */
export class UnhealthyContainerError extends Error {
  override readonly name = "UnhealthyContainerError";
  constructor(
    message: string,
    /** Its last log lines and its health check's last output, indented for an error message. */
    readonly tail: string,
  ) {
    super(message);
  }
}

type PlanHealthCheck = NonNullable<ContainerSpec["healthCheck"]>;

/**
 * Waits until the plan's health check passes, running it itself every `startIntervalMs`
 * rather than reading Docker's health status: Docker engines before 25 have no start interval,
 * and the plan's steady interval (30 s) would make every start wait that long. Once this has
 * passed, Docker's own check takes over at the steady interval. When the container exits or
 * the time runs out, the error carries its last log lines and the check's last output.
 */
export class HealthWait implements WaitStrategy {
  private startupTimeoutMs?: number;

  constructor(private readonly check: PlanHealthCheck) {}

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutMs !== undefined;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs ?? this.check.startPeriodMs;
  }

  async waitUntilReady(container: Dockerode.Container, _boundPorts: BoundPorts, startTime?: Date): Promise<void> {
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const budgetMs = Math.min(this.getStartupTimeout(), this.check.startPeriodMs);
    const deadline = (startTime?.getTime() ?? Date.now()) + budgetMs;
    let exitedPolls = 0;
    for (;;) {
      const attempt = await withTimeout(dockerExec(docker, container.id, this.check.test.slice(1)), this.check.timeoutMs).catch((e: Error) => ({
        exitCode: -1,
        output: e.message,
      }));
      if (attempt.exitCode === 0) return;
      const last = `(last health check, exit ${attempt.exitCode}) ${attempt.output.trim().split("\n").slice(-3).join(" | ")}`;
      // A container its restart policy restarts passes through "restarting"; one that stays
      // exited for three polls in a row is not coming back.
      const state = (await container.inspect()).State;
      exitedPolls = state.Status === "exited" || state.Status === "dead" ? exitedPolls + 1 : 0;
      if (exitedPolls >= 3)
        throw new UnhealthyContainerError(`container exited (code ${state.ExitCode}) before its health check passed`, await diagnosis(container, last));
      if (Date.now() + this.check.startIntervalMs > deadline)
        throw new UnhealthyContainerError(`health check did not pass within ${Math.round(budgetMs / 1000)} s`, await diagnosis(container, last));
      await new Promise((r) => setTimeout(r, this.check.startIntervalMs));
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A container's last log lines and last health check output, or "" when it is gone. */
export async function diagnosis(container: Dockerode.Container, lastCheck?: string): Promise<string> {
  try {
    const info = await container.inspect();
    const lines = (await containerLogs(info.Id)).filter(Boolean).slice(-8);
    const last = info.State.Health?.Log?.at(-1);
    const output = last?.Output?.trim();
    if (lastCheck) lines.push(lastCheck);
    else if (last && output) lines.push(`(last health check, exit ${last.ExitCode}) ${output.split("\n").slice(-3).join(" | ")}`);
    return lines.map((l) => `    ${l}`).join("\n");
  } catch {
    return "";
  }
}
