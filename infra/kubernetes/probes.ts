import type { ContainerSpec } from "../../sdk";
import type { Issues } from "./errors";
import type { ExecProbe } from "./objects";

/** The probes of one container; none when the plan gives no health check. */
export interface Probes {
  readonly startupProbe?: ExecProbe;
  readonly readinessProbe?: ExecProbe;
  readonly livenessProbe?: ExecProbe;
}

/**
 * How long a startup probe keeps trying when unhealthy containers are not restarted: a day,
 * which is "until it passes" for a test mesh. Kubernetes kills a container whose startup probe
 * runs out; Docker never does (a health check only reports), and a Consul server waiting for
 * its peers after an outage must not be killed for waiting.
 */
export const STARTUP_PATIENCE_SECONDS = 24 * 60 * 60;

/**
 * The plan's health check (Docker's HEALTHCHECK) as Kubernetes probes, each an exec of the
 * same command (Kubernetes probes do not expand `$(VAR)`, so it is passed as it is):
 * - startupProbe: every `startIntervalMs` (at least 1 s, Kubernetes' floor) until the first
 *   pass, as Docker checks while a container starts; the kubelet runs the readiness probe as
 *   soon as it passes, so readiness follows within a second;
 * - readinessProbe: every `intervalMs`, unready after `retries` failures, as Docker's
 *   `unhealthy`; a pod is Ready when all its containers are, which is what `pulumi up` waits for;
 * - livenessProbe: only with `restartUnhealthy`. Docker never restarts an unhealthy container
 *   (its restart policy acts on exit), and the plan's checks include ones that fail because a
 *   peer is down (`consul acl token read -self` needs a leader): with liveness, losing Consul's
 *   quorum would restart every agent and server in a loop. Without it, the startup probe gives
 *   up only after {@link STARTUP_PATIENCE_SECONDS}.
 */
export function probesOf(spec: ContainerSpec, where: string, issues: Issues, restartUnhealthy: boolean): Probes {
  const h = spec.healthCheck;
  if (!h) return {};
  const command = execCommand(h.test, `${where}.healthCheck.test`, issues);
  if (!command) return {};
  const timeoutSeconds = Math.max(1, Math.ceil(h.timeoutMs / 1000));
  const startPeriod = Math.max(1, Math.round(h.startIntervalMs / 1000));
  const steadyPeriod = Math.max(1, Math.round(h.intervalMs / 1000));
  const steady: ExecProbe = { exec: { command }, periodSeconds: steadyPeriod, timeoutSeconds, failureThreshold: Math.max(1, h.retries) };
  return {
    startupProbe: {
      exec: { command },
      periodSeconds: startPeriod,
      timeoutSeconds,
      failureThreshold: restartUnhealthy
        ? Math.ceil(h.startPeriodMs / 1000 / startPeriod) + Math.max(1, h.retries)
        : Math.ceil(STARTUP_PATIENCE_SECONDS / startPeriod),
    },
    readinessProbe: steady,
    ...(restartUnhealthy ? { livenessProbe: steady } : {}),
  };
}

/** Docker's `["CMD", ...]` / `["CMD-SHELL", cmd]` as an exec command; `["NONE"]` is no check. */
export function execCommand(test: readonly string[], path: string, issues: Issues): string[] | undefined {
  const [form, ...rest] = test;
  if (form === "CMD" && rest.length) return rest;
  if (form === "CMD-SHELL" && rest.length === 1) return ["/bin/sh", "-c", rest[0]!];
  if (form === "NONE") return undefined;
  issues.add(
    path,
    `health check ${JSON.stringify(test)} has no exec probe equivalent`,
    'write it as ["CMD", program, ...args] or ["CMD-SHELL", "command line"]',
  );
  return undefined;
}
