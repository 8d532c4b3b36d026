import { logLines } from "../realize/mesh-container";
import type { StartedMesh } from "../realize/started-mesh";

/** One request in a sidecar's access log (Consul's JSON format; the fields probes use). */
export interface AccessLogEntry {
  readonly method: string;
  readonly path: string;
  readonly response_code: number;
  /** `local_app` for requests into the instance; the upstream's cluster for requests out of it. */
  readonly upstream_cluster: string | null;
  readonly request_id: string;
}

/**
 * Every request an instance's sidecar has logged so far, in order (non-JSON lines are
 * skipped). Needs access logs on (`telemetry: { accessLogs: true }`; they are off by default).
 */
export async function accessLog(mesh: StartedMesh, instance: string): Promise<AccessLogEntry[]> {
  const defaults = mesh.plan.consul.configEntries.find((e) => e.Kind === "proxy-defaults") as { AccessLogs?: { Enabled?: boolean } } | undefined;
  if (!defaults?.AccessLogs?.Enabled)
    throw new Error(`mesh ${mesh.plan.mesh.name} has access logs off (the default); declare it with telemetry: { accessLogs: true } to read them`);
  const lines = await logLines(mesh.container(`${instance}-sidecar`));
  return lines.flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      const entry = JSON.parse(line) as Partial<AccessLogEntry>;
      return typeof entry.response_code === "number" && typeof entry.path === "string" ? [entry as AccessLogEntry] : [];
    } catch {
      return [];
    }
  });
}
