import { spawnSync } from "node:child_process";
import type * as docker from "@pulumi/docker";
import type { ContainerSpec } from "../sdk";

type PlanHealthCheck = NonNullable<ContainerSpec["healthCheck"]>;

/**
 * The one interval of a health check on an engine without a start interval (Docker before 25,
 * Engine API 1.44): it serves the start, where `pulumi up` waits on it, and the steady state.
 * 2 s, as every check was before the plan had a start interval.
 */
export const LEGACY_ENGINE_INTERVAL_MS = 2000;

/**
 * The plan's health check as Docker's. On an engine with a start interval, checks run every
 * `startIntervalMs` until the first passes and every `intervalMs` after; on an older one,
 * every {@link LEGACY_ENGINE_INTERVAL_MS} throughout.
 */
export function dockerHealthcheck(h: PlanHealthCheck, engineHasStartInterval = true): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: goDuration(engineHasStartInterval ? h.intervalMs : LEGACY_ENGINE_INTERVAL_MS),
    ...(engineHasStartInterval ? { startInterval: goDuration(h.startIntervalMs) } : {}),
    timeout: goDuration(h.timeoutMs),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodMs),
  };
}

/** Whether the local Docker engine honours a health check's start interval (Engine API 1.44+); true when it cannot be asked. */
export function localEngineHasStartInterval(): boolean {
  const r = spawnSync("docker", ["version", "--format", "{{.Server.APIVersion}}"], { encoding: "utf8", timeout: 10_000 });
  const m = /^(\d+)\.(\d+)/.exec(r.stdout?.trim() ?? "");
  if (r.status !== 0 || !m) return true;
  return Number(m[1]) > 1 || Number(m[2]) >= 44;
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
export function waitTimeoutSeconds(h: PlanHealthCheck, marginSeconds = 30, engineHasStartInterval = true): number {
  return Math.ceil((h.startPeriodMs + h.retries * (engineHasStartInterval ? h.intervalMs : LEGACY_ENGINE_INTERVAL_MS)) / 1000) + marginSeconds;
}
