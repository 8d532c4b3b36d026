import type * as docker from "@pulumi/docker";
import type { ContainerSpec } from "../sdk";

type PlanHealthCheck = NonNullable<ContainerSpec["healthCheck"]>;

/** The plan's health check as Docker's. */
export function dockerHealthcheck(h: PlanHealthCheck): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: goDuration(h.intervalMs),
    timeout: goDuration(h.timeoutMs),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodMs),
  };
}

/**
 * Milliseconds in Go's `time.Duration.String()` form (`500ms`, `2s`, `1m30s`, `1h0m0s`): the
 * provider reads durations back from Docker in that form, so any other spelling of the same
 * value would show as a change on every `pulumi up`.
 */
export function goDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`duration must be whole non-negative milliseconds, got ${ms}`);
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${String((ms % 60_000) / 1000)}s`;
  return h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
}

/**
 * How long `pulumi up` waits for a container to become healthy: as long as Docker itself
 * would keep probing before it calls the container unhealthy, plus a margin. A container that
 * never becomes healthy then fails the update instead of hanging it.
 */
export function waitTimeoutSeconds(h: PlanHealthCheck, marginSeconds = 30): number {
  return Math.ceil((h.startPeriodMs + h.retries * h.intervalMs) / 1000) + marginSeconds;
}
