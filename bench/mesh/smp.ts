/**
 * The bench's results in the shape of the CNCF Service Mesh Performance (SMP) spec's messages
 * (`protos/service_mesh_performance.proto`): an `EnvironmentConfig`, a `ServiceMeshConfig` and,
 * per cell, a `PerformanceTestConfig` with a `PerformanceTestResult` for each path. SMP's
 * `Latency` has no p99.9; it is added as `p99_9`.
 */
import { cpus, totalmem, release } from "node:os";
import { COMPONENTS } from "../../toolchain/images/components";
import type { LoadResult } from "./fortio";
import { sidecarCoresPer1000, type Cell, type LatencyRun, type PathResult } from "./latency";

const SMP_VERSION = "v0.0.1";

function result(id: string, path: "direct" | "mesh", p: PathResult) {
  const l = p.load.latencyMs;
  return {
    smp_version: SMP_VERSION,
    id: `${id}-${path}`,
    labels: { path, load_generator: "fortio", body_bytes: String(p.load.bodyBytes), errors: String(p.load.errors), requests: String(p.load.count) },
    start_time: p.startTime,
    end_time: p.endTime,
    latencies_ms: { min: l.min, average: l.average, p50: l.p50, p90: l.p90, p99: l.p99, p99_9: l.p999, max: l.max },
    actual_QPS: p.load.actualQps,
    testId: id,
    meshConfigId: path === "mesh" ? "meshwright" : "none",
    envId: "docker-host",
    resources: p.usage,
  };
}

function cellId(c: Pick<Cell, "qps" | "connections">): string {
  return `qps-${c.qps}-c${c.connections}`;
}

function test(c: Cell, durationS: number, urls: { direct: string; mesh: string }) {
  const id = cellId(c);
  const client = (url: string) => ({
    internal: true,
    load_generator: `fortio ${COMPONENTS.fortio}`,
    protocol: "http",
    connections: c.connections,
    rps: c.qps === "max" ? 0 : c.qps,
    endpoint_url: [url],
  });
  return {
    config: {
      smp_version: SMP_VERSION,
      id,
      name: `${c.qps === "max" ? "closed-loop maximum" : `${c.qps} QPS`}, ${c.connections} connections`,
      labels: { keep_alive: "on", open_loop: String(c.qps !== "max") },
      clients: [client(urls.mesh)],
      duration: `${durationS}s`,
    },
    results: { direct: result(id, "direct", c.direct), mesh: result(id, "mesh", c.mesh) },
    added_ms: added(c.direct.load, c.mesh.load),
    sidecars_cores_per_1000_rps: sidecarCoresPer1000(c),
  };
}

/** The mesh's latency minus the baseline's, per percentile. */
export function added(direct: LoadResult, mesh: LoadResult): { p50: number; p90: number; p99: number; p99_9: number } {
  const d = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;
  return {
    p50: d(direct.latencyMs.p50, mesh.latencyMs.p50),
    p90: d(direct.latencyMs.p90, mesh.latencyMs.p90),
    p99: d(direct.latencyMs.p99, mesh.latencyMs.p99),
    p99_9: d(direct.latencyMs.p999, mesh.latencyMs.p999),
  };
}

/** The whole SMP-shaped document for one latency run. */
export function smpDocument(run: LatencyRun, durationS: number, urls: { direct: string; mesh: string }) {
  const ref = run.cells.find((c) => c.qps === 1000 && c.connections === 8) ?? run.cells[0]!;
  const sidecarCores = (ref.mesh.usage["client sidecar"]?.cores ?? 0) + (ref.mesh.usage["server sidecar"]?.cores ?? 0);
  const sidecarMem = (ref.mesh.usage["client sidecar"]?.memMiB ?? 0) + (ref.mesh.usage["server sidecar"]?.memMiB ?? 0);
  return {
    smp_version: SMP_VERSION,
    environment: {
      smp_version: SMP_VERSION,
      id: "docker-host",
      labels: { kernel: release(), cpu: cpus()[0]?.model ?? "unknown", runtime: "docker (one bridge network)" },
      node: [{ type: "docker host", cores: run.hostCores, mem_mb: Math.round(totalmem() / 2 ** 20) }],
      individual_workloads: [
        { name: "server (workload serve)", count: 2, cpu_mCores: 0, mem_mb: 0 },
        { name: `fortio ${COMPONENTS.fortio}`, count: 1, cpu_mCores: 0, mem_mb: 0 },
      ],
    },
    mesh_config: {
      smp_version: SMP_VERSION,
      id: "meshwright",
      labels: {
        sidecar_options: JSON.stringify((run.meshProps as { sidecars?: unknown }).sidecars ?? {}),
        telemetry: JSON.stringify(run.meshProps.telemetry ?? {}),
      },
      sidecar: { count: 2, cpu_mCores: Math.round(sidecarCores * 1000), mem_mb: Math.round(sidecarMem), rps: Math.round(ref.mesh.load.actualQps) },
      mesh_telemetry_enabled: true,
      mtls_enabled: true,
      proxy_concurrency: run.envoy.workers,
      mesh_build: `consul ${COMPONENTS.consul}`,
      proxy_build: `envoy ${run.envoy.version}`,
      mesh_type: "CONSUL",
    },
    tests: run.cells.map((c) => test(c, durationS, urls)),
  };
}
