/**
 * Fixed-rate latency, direct against through two sidecars, measured the way Istio publishes
 * it: fortio in its own container inside the calling instance's network namespace (as a load
 * generator in the client pod), open loop at each rate, keep-alive on, baseline and mesh cells
 * alternating in one run. The baseline is the same workload binary on the same bridge, called
 * pod to pod with no proxies; both paths answer the same `/health` body.
 */
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from "testcontainers";
import { RUN_LABEL } from "../../harness/realize/plan-container";
import { SingleNetworkContainer } from "../../harness/realize/single-network-container";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { Mesh, type MeshProps } from "../../sdk";
import { load, type LoadResult } from "./fortio";
import { UsageMeter, type Usage } from "./usage";

/** What the grid runs. */
export interface LatencyOptions {
  readonly qps: readonly number[];
  readonly connections: readonly number[];
  readonly durationS: number;
  /** Mesh-wide options of the measured mesh (e.g. to compare a sidecar setting). */
  readonly mesh?: MeshProps;
  readonly progress: (line: string) => void;
}

/** One path of one cell: fortio's result and what each container used meanwhile. */
export interface PathResult {
  readonly startTime: string;
  readonly endTime: string;
  readonly load: LoadResult;
  readonly usage: Record<string, Usage>;
}

/** Direct and mesh at one rate and connection count. */
export interface Cell {
  readonly qps: number | "max";
  readonly connections: number;
  readonly direct: PathResult;
  readonly mesh: PathResult;
}

/** The grid, the closed-loop maxima and the sidecar's settings as Envoy reports them. */
export interface LatencyRun {
  readonly cells: Cell[];
  readonly envoy: { readonly version: string; readonly workers: number };
  readonly hostCores: number;
  readonly meshProps: MeshProps;
}

const BENCH_PATH = "/health";

function benchMesh(props: MeshProps): Mesh {
  const mesh = new Mesh("bench", props);
  const server = mesh.service("server", {});
  server.allow(mesh.service("client", { upstreams: [server] }));
  return mesh;
}

async function sidecarInfo(running: StartedMesh): Promise<LatencyRun["envoy"]> {
  const info = JSON.parse(await running.envoyAdmin("client-1", "/server_info")) as {
    version: string;
    command_line_options: { concurrency: number };
  };
  return { version: info.version.split("/")[1] ?? info.version, workers: info.command_line_options.concurrency };
}

/** Starts the mesh, the baseline server and the load generator, runs the grid, removes all of it. */
export async function latencyGrid(opts: LatencyOptions): Promise<LatencyRun> {
  const meshProps = opts.mesh ?? {};
  const running = await startMesh(benchMesh(meshProps));
  const extra: StartedTestContainer[] = [];
  try {
    await waitConverged(running);
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const labels = { [RUN_LABEL]: running.runId };
    extra.push(
      await new SingleNetworkContainer(running.plan.images.workload)
        .withNetworkMode(running.networkName)
        .withNetworkAliases("direct-server")
        .withCommand(["serve"])
        .withEnvironment({ SERVICE_NAME: "direct-server", INSTANCE_ID: "direct-server", LISTEN_ADDR: "0.0.0.0:8080" })
        .withDroppedCapabilities("ALL")
        .withLabels(labels)
        .withWaitStrategy(Wait.forLogMessage(/"msg":"listening"/))
        .start(),
    );
    const fortio = await new GenericContainer(IMAGE_TAGS.fortio)
      .withEntrypoint(["sleep", "infinity"])
      .withNetworkMode(`container:${running.container("client-1").getId()}`)
      .withDroppedCapabilities("ALL")
      .withLabels(labels)
      .start();
    extra.push(fortio);

    const upstream = running.plan.services.find((s) => s.name === "client")!.upstreams[0]!;
    const urls = { direct: `http://direct-server:8080${BENCH_PATH}`, mesh: `http://127.0.0.1:${upstream.localPort}${BENCH_PATH}` };
    const ids = new Map<string, string>([
      ["client sidecar", running.container("client-1-sidecar").getId()],
      ["server sidecar", running.container("server-1-sidecar").getId()],
      ["server app (mesh)", running.container("server-1-app").getId()],
      ["server app (direct)", extra[0]!.getId()],
      ["fortio", fortio.getId()],
      ["client agent", running.container("client-1").getId()],
      ["server agent", running.container("server-1").getId()],
      ["consul server", running.container("consul").getId()],
      ...running.plan.containers.filter((c) => c.role === "prometheus").map((c): [string, string] => ["prometheus", running.container(c.name).getId()]),
    ]);
    const meter = new UsageMeter(docker, ids);
    const hostCores = ((await docker.info()) as { NCPU: number }).NCPU;

    const measure = async (path: "direct" | "mesh", qps: number | "max", connections: number): Promise<PathResult> => {
      const before = await meter.read();
      const startTime = new Date().toISOString();
      const result = await load(fortio, urls[path], { qps, connections, durationS: opts.durationS });
      const endTime = new Date().toISOString();
      return { startTime, endTime, load: result, usage: UsageMeter.between(before, await meter.read(), hostCores) };
    };

    opts.progress("warm-up: 3 s each way");
    for (const path of ["direct", "mesh"] as const) await load(fortio, urls[path], { qps: 200, connections: 8, durationS: 3 });
    const cells: Cell[] = [];
    const grid: [number | "max", number][] = [...opts.connections.flatMap((c) => opts.qps.map((q): [number, number] => [q, c])), ["max", 8]];
    for (const [qps, connections] of grid) {
      opts.progress(`${qps === "max" ? "closed-loop maximum" : `${qps} QPS`}, ${connections} connections: direct, then mesh (${opts.durationS} s each)`);
      const direct = await measure("direct", qps, connections);
      const mesh = await measure("mesh", qps, connections);
      cells.push({ qps, connections, direct, mesh });
    }
    return { cells, envoy: await sidecarInfo(running), hostCores, meshProps };
  } finally {
    for (const c of extra.reverse()) await c.stop().catch(() => undefined);
    await running.stop();
  }
}

/** Both sidecars' cores per 1 000 requests per second of a mesh cell. */
export function sidecarCoresPer1000(cell: Cell): number {
  const cores = (cell.mesh.usage["client sidecar"]?.cores ?? 0) + (cell.mesh.usage["server sidecar"]?.cores ?? 0);
  return Math.round((cores / (cell.mesh.load.actualQps / 1000)) * 1000) / 1000;
}
