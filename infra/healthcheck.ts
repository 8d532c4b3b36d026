import type * as docker from "@pulumi/docker";
import type { ContainerSpec } from "../sdk";

type PlanHealthCheck = NonNullable<ContainerSpec["healthCheck"]>;

/** The plan's health check as Docker's (durations as Go duration strings). */
export function dockerHealthcheck(h: PlanHealthCheck): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: `${h.intervalMs}ms`,
    timeout: `${h.timeoutMs}ms`,
    retries: h.retries,
    startPeriod: `${h.startPeriodMs}ms`,
  };
}

/**
 * How long `pulumi up` waits for a container to become healthy: as long as Docker itself
 * would keep probing before it calls the container unhealthy, plus a margin. A container that
 * never becomes healthy then fails the update instead of hanging it.
 */
export function waitTimeoutSeconds(h: PlanHealthCheck, marginSeconds = 30): number {
  return Math.ceil((h.startPeriodMs + h.retries * h.intervalMs) / 1000) + marginSeconds;
}
