/** Recovery after an instance dies, and bring-up of the reference mesh: the non-latency rows of bench/mesh. */
import shop from "../../examples/shop";
import { inflict } from "../../harness/probes/chaos";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { Mesh, type Resilience } from "../../sdk";

/** A client and two backend instances, with the given resilience on the backend. */
function pair(name: string, resilience?: Resilience): Mesh {
  const mesh = new Mesh(name, { telemetry: { metrics: false } });
  const backend = mesh.service("backend", {
    instances: 2,
    healthCheck: { kind: "http", path: "/health", interval: "1s", timeout: "1s" },
    ...(resilience ? { resilience } : {}),
  });
  backend.allow(mesh.service("client", { upstreams: [backend] }));
  return mesh;
}

/** Failed requests in the 300 after backend-1 is killed (SIGKILL) under load, and time until traffic is clean. */
export interface Recovery {
  readonly measure: string;
  readonly failed: number;
  readonly cleanAfterMs: number;
  readonly statuses: Record<number, number>;
}

async function killOneOfTwo(running: StartedMesh): Promise<Omit<Recovery, "measure">> {
  const downAt = Date.now();
  await inflict(running, "backend-1-app", "kill");
  const during = await sendTraffic(running, "client-1", "backend", { count: 300, concurrency: 4 });
  let cleanAfterMs = NaN;
  for (let i = 0; i < 120 && Number.isNaN(cleanAfterMs); i++) {
    const s = await sendTraffic(running, "client-1", "backend", { count: 50, concurrency: 4 });
    if (s.results.every((r) => r.status === 200 && r.instance === "backend-2")) cleanAfterMs = Date.now() - downAt;
  }
  return { failed: during.results.filter((r) => r.status !== 200).length, cleanAfterMs, statuses: during.byStatus() };
}

/** The kill with retries and outlier detection, then the control without them. */
export async function recovery(): Promise<Recovery[]> {
  const rows: Recovery[] = [];
  const cases: [string, Resilience | undefined][] = [
    [
      "one of two instances killed (retries + outlier detection)",
      {
        retries: { attempts: 3, on: ["5xx", "connect-failure"] },
        outlierDetection: { consecutive5xx: 2, interval: "1s", baseEjectionTime: "10s", maxEjectionPercent: 50 },
      },
    ],
    ["one of two instances killed (no retries, no outlier detection)", undefined],
  ];
  for (const [measure, resilience] of cases) {
    const running = await startMesh(pair(resilience ? "heal" : "bare", resilience));
    try {
      await waitConverged(running);
      rows.push({ measure, ...(await killOneOfTwo(running)) });
    } finally {
      await running.stop();
    }
  }
  return rows;
}

/** Start and convergence of the reference (shop) mesh, images warm. */
export interface BringUp {
  readonly containers: number;
  readonly startMs: number;
  readonly convergedAfterMs: number;
  readonly totalMs: number;
}

export async function bringUp(): Promise<BringUp> {
  const t0 = Date.now();
  const running = await startMesh(shop);
  const startMs = Date.now() - t0;
  try {
    await waitConverged(running);
    const totalMs = Date.now() - t0;
    return { containers: running.plan.containers.length, startMs, convergedAfterMs: totalMs - startMs, totalMs };
  } finally {
    await running.stop();
  }
}
