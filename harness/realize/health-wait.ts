import type Dockerode from "dockerode";
import { Wait, type BoundPorts, type WaitStrategy } from "testcontainers";
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

/**
 * Waits for the container's own health check, as `Wait.forHealthCheck()` does; when that
 * fails, reads the container's last log lines and what its health check printed last (e.g.
 * Consul's "ACL not found" for a token it does not know) before testcontainers removes it.
 */
export class HealthWait implements WaitStrategy {
  private readonly inner = Wait.forHealthCheck();

  withStartupTimeout(startupTimeoutMs: number): this {
    this.inner.withStartupTimeout(startupTimeoutMs);
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.inner.isStartupTimeoutSet();
  }

  getStartupTimeout(): number {
    return this.inner.getStartupTimeout();
  }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts, startTime?: Date): Promise<void> {
    try {
      await this.inner.waitUntilReady(container, boundPorts, startTime);
    } catch (e) {
      throw new UnhealthyContainerError((e as Error).message, await diagnosis(container));
    }
  }
}

/** A container's last log lines and last health check output, or "" when it is gone. */
export async function diagnosis(container: Dockerode.Container): Promise<string> {
  try {
    const info = await container.inspect();
    const lines = (await containerLogs(info.Id)).filter(Boolean).slice(-8);
    const last = info.State.Health?.Log?.at(-1);
    const output = last?.Output?.trim();
    if (last && output) lines.push(`(last health check, exit ${last.ExitCode}) ${output.split("\n").slice(-3).join(" | ")}`);
    return lines.map((l) => `    ${l}`).join("\n");
  } catch {
    return "";
  }
}
