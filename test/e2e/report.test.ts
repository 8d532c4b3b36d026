/**
 * The HTML report from a real run. A small mesh (pay ×3 behind retries and outlier detection,
 * a caller it allows, a stranger it does not, every span traced) gives each kind of section
 * from what the harness measures on real containers: a balance verdict (the toBeUniform
 * matcher records it), an auth and a security matrix (mismatches and securityMismatches
 * record them), a chaos timeline (a kill and a start landing in steady traffic: sendTraffic
 * records it), latency percentiles of the same requests direct against through the mesh, and
 * traces from Zipkin. writeReport draws them into one self-contained page, which Debian's
 * Chromium opens: every plot must be an SVG with marks of non-zero size, the page must fetch
 * nothing but itself, and its screenshot is kept beside it (report.png).
 *
 * The report folder is $MESHWRIGHT_REPORT_DIR when set (CI: reports/latest, with every other
 * e2e file's sections), else reports/latest, emptied first.
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { LATEST_REPORT_DIR } from "../../cli/report";
import { launchMeshBrowser } from "../../harness/browser";
import { mismatches, type AuthCell } from "../../harness/probes/auth-matrix";
import { inflict } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { securityMismatches, type SecurityCell } from "../../harness/probes/security-matrix";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { latencySeries, REPORT_DIR_VARIABLE, startReport, writeReport, type MeshReport } from "../../harness/report";
import "../../harness/matchers";
import { compile, Mesh } from "../../sdk";

const mesh = new Mesh("report", { telemetry: { metrics: false, tracing: { sampleRate: 1 } } });
const pay = mesh.service("pay", {
  instances: 3,
  healthCheck: { kind: "http", path: "/health", interval: "1s", timeout: "1s" },
  resilience: {
    requestTimeout: "1s",
    retries: { attempts: 3, on: ["5xx", "connect-failure", "reset"] },
    outlierDetection: { consecutive5xx: 2, interval: "1s", baseEjectionTime: "3s", maxEjectionPercent: 50 },
  },
});
pay.allow(mesh.service("caller", { upstreams: [pay] }));
// Declares the upstream but is allowed nowhere: the mesh must refuse it.
mesh.service("stranger", { upstreams: [pay] });
const plan = compile(mesh);
const INSTANCES = ["pay-1", "pay-2", "pay-3"];
const payPlan = plan.services.find((s) => s.name === "pay")!;

const fromEnv = process.env[REPORT_DIR_VARIABLE];
const dir = resolve(fromEnv ?? join(__dirname, "..", "..", LATEST_REPORT_DIR));

/** What each plot must hold once drawn: Vega's mark classes in the SVG. */
const MARKS: Record<string, readonly string[]> = {
  balance: [".mark-rect path"],
  chaos: [".mark-rect path", ".mark-rule line"],
  latency: [".mark-line path", ".mark-symbol path"],
  trace: [".mark-rect path"],
};

describe("the HTML report of a run on real containers", () => {
  let running: StartedMesh | undefined;
  let report: MeshReport;
  const m = () => running!;

  beforeAll(async () => {
    // Alone, this file's report is the latest; in a whole run it joins the others' fragments.
    if (!fromEnv) rmSync(dir, { recursive: true, force: true });
    report = startReport({ dir });
    running = await startMesh(plan);
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("records the balance matcher's verdict: caller → pay ×3 is uniform", async () => {
    const sample = await sendTraffic(m(), "caller-1", "pay", { count: 600, concurrency: 8 });
    expect(sample).toBeUniform(INSTANCES);
    expect(report.sections.at(-1)).toMatchObject({ kind: "balance", claim: "fits", consistent: true });
  });

  it("records the auth and security matrices the probes judged", async () => {
    const status = async (from: string) => (await m().call(from, "pay", "/")).status;
    const cells: AuthCell[] = [
      { caller: "caller", callee: "pay", request: "GET / (allowed)", expected: 200, actual: await status("caller-1") },
      { caller: "stranger", callee: "pay", request: "GET / (no intention)", expected: 403, actual: await status("stranger-1") },
    ];
    expect(mismatches(cells)).toEqual([]);
    const pay1 = payPlan.instances[0]!;
    const direct = await m().httpFrom("caller-1", `http://pay-1:${payPlan.port}/`, { timeoutMs: 3000 });
    const plaintext = await m().httpFrom("caller-1", `http://pay-1:${pay1.ports.sidecarPublic}/`, { timeoutMs: 3000 });
    const security: SecurityCell[] = [
      {
        id: "neighbour.app-port",
        from: "caller-1 (app namespace)",
        target: "pay-1's app port",
        attempt: "plain HTTP, around the sidecar",
        expected: "refused",
        actual: direct.exitCode === 7 ? "refused" : `HTTP ${direct.status ?? "none"} (exit ${direct.exitCode})`,
      },
      {
        id: "neighbour.sidecar-plaintext",
        from: "caller-1 (app namespace)",
        target: "pay-1's sidecar",
        attempt: "plain HTTP instead of mTLS",
        expected: "no HTTP answer",
        actual: plaintext.status === undefined ? "no HTTP answer" : `HTTP ${plaintext.status}`,
      },
    ];
    expect(securityMismatches(security)).toEqual([]);
    expect(report.sections.slice(-2).map((s) => s.kind === "matrix" && s.matrix)).toEqual(["auth", "security"]);
  });

  it("records latency percentiles of the same requests direct (on pay-1's loopback) and through both sidecars", async () => {
    const direct = await m()
      .instance("pay-1")
      .exec(["workload", "load", `http://127.0.0.1:${payPlan.port}/`, "-n", "1000", "-c", "1"]);
    expect(direct.exitCode).toBe(0);
    const directMs = (JSON.parse(direct.stdout) as { results: { status: number; latencyMs: number }[] }).results.map((r) => r.latencyMs);
    const meshed = await sendTraffic(m(), "caller-1", "pay", { count: 1000, concurrency: 1 });
    expect(meshed.byStatus()).toEqual({ 200: 1000 });
    report.addLatency(
      [
        latencySeries("direct (pay-1's loopback)", directMs),
        latencySeries(
          "mesh (caller-1 → pay, two sidecars)",
          meshed.results.map((r) => r.latencyMs),
        ),
      ],
      "latency: direct against mesh, 1000 requests one at a time",
    );
  });

  it("records a chaos timeline when a kill and a start land in steady traffic", async () => {
    const before = report.sections.length;
    const load = sendTraffic(m(), "caller-1", "pay", { count: 4000, concurrency: 4, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    await inflict(m(), "pay-1-app", "kill");
    await new Promise((r) => setTimeout(r, 500));
    await inflict(m(), "pay-1-app", "start");
    const sample = await load;
    const timeline = report.sections.slice(before).find((s) => s.kind === "chaos");
    expect(timeline).toBeDefined();
    if (timeline?.kind !== "chaos") return;
    expect(timeline.buckets.reduce((n, b) => n + b.ok + b.failed, 0)).toBe(sample.results.length);
    expect(timeline.marks[0]).toMatchObject({ kind: "fault", label: "kill pay-1-app" });
    expect(timeline.marks.map((mk) => mk.label)).toEqual(["kill pay-1-app", "start pay-1-app"].slice(0, timeline.marks.length));
  });

  it("records traces Zipkin holds of the caller's requests", async () => {
    const traces = await eventually(
      async () => {
        const t = (await m().zipkin.traces({ serviceName: "pay", limit: 20 })).filter((spans) => spans.length >= 2);
        if (!t.length) throw new Error("no trace with two spans yet");
        return t;
      },
      { what: "a trace of caller → pay in Zipkin", timeoutMs: 60_000, intervalMs: 2_000 },
    );
    const before = report.sections.length;
    report.addTraces(traces, { limit: 2 });
    expect(report.sections.length - before).toBeGreaterThan(0);
  });

  it("writes one self-contained page that Chromium draws: every plot an SVG with marks, nothing fetched but the page", async () => {
    const written = await writeReport(dir, { title: "meshwright e2e report" });
    const plots = written.data.sections.filter((s) => s.kind !== "matrix");
    expect(new Set(plots.map((s) => s.kind))).toEqual(new Set(["balance", "chaos", "latency", "trace"]));

    // Served by a plain server under a name of its own, so every request the page makes is seen.
    const html = readFileSync(written.html);
    const server: Server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const origin = "http://report.test:8080";
    const mb = await launchMeshBrowser({
      hosts: [{ origin, host: "127.0.0.1", port: (server.address() as AddressInfo).port }],
      screenshotsDir: dir,
      context: { viewport: { width: 1200, height: 900 } },
    });
    try {
      const page = await mb.context.newPage();
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(`${origin}/report.html`);
      const figures = await page.$$eval("figure.plot", (fs) =>
        fs.map((f) => {
          const svg = f.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return { kind: f.getAttribute("data-kind") ?? "", svg: !!svg, width: box?.width ?? 0, height: box?.height ?? 0 };
        }),
      );
      expect(figures.map((f) => f.kind).sort()).toEqual(plots.map((s) => s.kind).sort());
      for (const f of figures) expect(f).toMatchObject({ svg: true, width: expect.any(Number) as number, height: expect.any(Number) as number });
      expect(figures.filter((f) => !(f.width > 0 && f.height > 0))).toEqual([]);

      // Each plot's marks, counted and measured in the drawn page (getBBox: their geometry, not just their elements).
      const marks = await page.$$eval("figure.plot", (fs) =>
        fs.map((f) => ({
          kind: f.getAttribute("data-kind") ?? "",
          drawn: Object.fromEntries(
            [".mark-rect path", ".mark-rule line", ".mark-line path", ".mark-symbol path"].map((sel) => [
              sel,
              [...f.querySelectorAll(`svg ${sel}`)].filter((e) => {
                const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox();
                return b.width > 0 || b.height > 0;
              }).length,
            ]),
          ),
        })),
      );
      for (const { kind, drawn } of marks)
        for (const sel of MARKS[kind] ?? []) expect({ kind, sel, drawn: drawn[sel]! > 0 }).toEqual({ kind, sel, drawn: true });

      expect(await page.locator("table.matrix td.actual.pass").count()).toBeGreaterThanOrEqual(4);
      expect(requested).toEqual([`${origin}/report.html`]);
      const shot = await mb.screenshot(page, "report");
      expect(shot).toBe(join(dir, "report.png"));
      console.info(`report: ${written.html} (${written.data.sections.length} sections), screenshot: ${shot}`);
    } finally {
      await mb.close();
      server.close();
    }
  });
});
