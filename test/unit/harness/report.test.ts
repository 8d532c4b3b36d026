import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "../../../harness/matchers";
import { chaosMarksBetween, recordChaosMark } from "../../../harness/report/active-report";
import { reportHtml } from "../../../harness/report/html";
import {
  chaosBuckets,
  latencyFromBench,
  latencySeries,
  MeshReport,
  mergeReports,
  readFragments,
  renderReportHtml,
  REPORT_DIR_VARIABLE,
  startReport,
  stopReport,
  writeReport,
  type ReportData,
} from "../../../harness/report";
import { traceSections } from "../../../harness/report/traces";
import { weightsVerdict } from "../../../harness/stats";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "meshwright-report-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => stopReport());

/** A report with one section of every kind, two of them plots of their own. */
function everyKind(dir?: string): MeshReport {
  const r = new MeshReport({ title: "every <kind>", ...(dir ? { dir } : {}) });
  r.addBalance(weightsVerdict({ "pay-1": 210, "pay-2": 190 }, { "pay-1": 1, "pay-2": 1 }), { title: "uniform <pay>" });
  r.addAuthMatrix([
    { caller: "caller", callee: "pay", request: "GET /", expected: 200, actual: 200 },
    { caller: "stranger", callee: "pay", request: "GET /", expected: 403, actual: 200 },
  ]);
  r.addSecurityMatrix([{ id: "app.kv-read", from: "app", target: "consul", attempt: "read kv", expected: "403 key:read", actual: "403 key:read" }]);
  r.addChaosTimeline(
    [
      { startMs: 10, status: 200, latencyMs: 1 },
      { startMs: 150, status: 503, latencyMs: 1 },
    ],
    [{ atMs: 120, kind: "fault", label: "kill pay-1-app" }],
  );
  r.addLatency([latencySeries("direct", [1, 2, 3]), latencySeries("mesh", [2, 3, 4])], "direct against mesh");
  r.addTraces([
    [
      { traceId: "t1", id: "b", parentId: "a", name: "ingress", kind: "SERVER", timestamp: 2_000, duration: 500, localEndpoint: { serviceName: "pay" } },
      { traceId: "t1", id: "a", name: "egress", kind: "CLIENT", timestamp: 1_000, duration: 2_000, localEndpoint: { serviceName: "caller" } },
    ],
  ]);
  return r;
}

describe("chaos timeline buckets", () => {
  it("count ok and failed requests per bucket by start time, keeping empty buckets up to the last request or mark", () => {
    const requests = [
      { startMs: 0, status: 200 },
      { startMs: 99, status: 200 },
      { startMs: 100, status: 503 },
      { startMs: 120, status: 0 },
      { startMs: 350, status: 204 },
    ];
    expect(chaosBuckets(requests)).toEqual([
      { startMs: 0, ok: 2, failed: 0 },
      { startMs: 100, ok: 0, failed: 2 },
      { startMs: 200, ok: 0, failed: 0 },
      { startMs: 300, ok: 1, failed: 0 },
    ]);
    expect(chaosBuckets(requests, [{ atMs: 420, kind: "heal", label: "start" }], 200).map((b) => [b.startMs, b.ok, b.failed])).toEqual([
      [0, 2, 2],
      [200, 1, 0],
      [400, 0, 0],
    ]);
    expect(() => chaosBuckets(requests, [], 0)).toThrow(/bucketMs must be positive/);
  });

  it("place the marks noted while traffic ran on that traffic's clock, and only those", () => {
    startReport();
    recordChaosMark("fault", "kill pay-1-app", 10_100);
    recordChaosMark("heal", "start pay-1-app", 10_900);
    recordChaosMark("fault", "later", 20_000);
    expect(chaosMarksBetween(10_000, 11_000)).toEqual([
      { atMs: 100, kind: "fault", label: "kill pay-1-app" },
      { atMs: 900, kind: "heal", label: "start pay-1-app" },
    ]);
  });
});

describe("latency curves", () => {
  it("take nearest-rank percentiles of raw latencies", () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1..1000, shuffled order does not matter
    expect(latencySeries("mesh", latencies, [50, 90, 99, 99.9, 100])).toEqual({
      name: "mesh",
      points: [
        { percentile: 50, ms: 500 },
        { percentile: 90, ms: 900 },
        { percentile: 99, ms: 990 },
        { percentile: 99.9, ms: 999 },
        { percentile: 100, ms: 1000 },
      ],
    });
    expect(latencySeries("none", [])).toEqual({ name: "none", points: [] });
  });

  it("read the mesh bench's SMP-shaped JSON, one section per cell, and nothing from a file they do not recognise", () => {
    const latencies = (p50: number) => ({ min: 0.1, average: 1, p50, p90: p50 + 1, p99: p50 + 2, p99_9: p50 + 3, max: 9 });
    const doc = {
      latency: {
        tests: [
          {
            config: { id: "qps-1000-c8", name: "1000 QPS, 8 connections" },
            results: { direct: { latencies_ms: latencies(0.5) }, mesh: { latencies_ms: latencies(1.5) } },
          },
          { config: { id: "broken" }, results: { direct: { nothing: 1 } } },
        ],
      },
    };
    expect(latencyFromBench(doc)).toEqual([
      {
        kind: "latency",
        title: "bench latency: 1000 QPS, 8 connections",
        series: [
          {
            name: "direct",
            points: [
              { percentile: 50, ms: 0.5 },
              { percentile: 90, ms: 1.5 },
              { percentile: 99, ms: 2.5 },
              { percentile: 99.9, ms: 3.5 },
            ],
          },
          {
            name: "mesh",
            points: [
              { percentile: 50, ms: 1.5 },
              { percentile: 90, ms: 2.5 },
              { percentile: 99, ms: 3.5 },
              { percentile: 99.9, ms: 4.5 },
            ],
          },
        ],
      },
    ]);
    expect(latencyFromBench({ tests: [{ results: { mesh: { latency: { p50: 2, "p99.9": 7 } } } }] })[0]!.series).toEqual([
      {
        name: "mesh",
        points: [
          { percentile: 50, ms: 2 },
          { percentile: 99.9, ms: 7 },
        ],
      },
    ]);
    expect(latencyFromBench({ something: "else" })).toEqual([]);
    expect(latencyFromBench(null)).toEqual([]);
  });
});

describe("traces", () => {
  it("become waterfalls on the trace's own clock, in start order; a trace without timestamps makes no section", () => {
    const [section, ...rest] = traceSections([
      [
        { traceId: "t1", id: "b", parentId: "a", name: "ingress", kind: "SERVER", timestamp: 2_000, duration: 500, localEndpoint: { serviceName: "pay" } },
        { traceId: "t1", id: "a", name: "egress", kind: "CLIENT", timestamp: 1_000, duration: 2_000, localEndpoint: { serviceName: "caller" } },
      ],
      [{ traceId: "t2", id: "c" }],
    ]);
    expect(rest).toEqual([]);
    expect(section).toEqual({
      kind: "trace",
      title: "trace t1",
      traceId: "t1",
      spans: [
        { spanId: "a", service: "caller", name: "egress (CLIENT)", startMs: 0, durationMs: 2 },
        { spanId: "b", parentId: "a", service: "pay", name: "ingress (SERVER)", startMs: 1, durationMs: 0.5 },
      ],
    });
  });
});

describe("the report page", () => {
  let html: string;
  beforeAll(async () => {
    html = await renderReportHtml(everyKind().toJSON());
  });

  it("draws one inline SVG per plot (balance, chaos, latency, trace) and tables for the matrices", () => {
    expect(html.match(/<svg[\s>]/g)).toHaveLength(4);
    for (const kind of ["balance", "chaos", "latency", "trace"])
      expect(html.match(new RegExp(`<figure class="plot" data-kind="${kind}"><svg`, "g"))).toHaveLength(1);
    expect(html).toMatch(/<svg[^>]*class="marks"/);
    expect(html.match(/<table class="matrix"/g)).toHaveLength(2);
    expect(html).toContain('<td class="actual fail">200 ✗</td>');
    expect(html).toContain('<td class="expected allow">200</td>');
  });

  it("is self-contained: no script, no stylesheet or image to load, a policy that forbids fetching anything", () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    // The only absolute URLs are SVG's XML namespaces, which are names, not fetches.
    expect([...new Set(html.match(/https?:\/\/[^\s"'<>)]+/g))].sort()).toEqual(["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it("escapes what tests name, and marks each verdict held or failed", () => {
    expect(html).toContain("<title>every &lt;kind&gt;</title>");
    expect(html).toContain("uniform &lt;pay&gt;");
    expect(html).not.toContain("uniform <pay>");
    expect(html).toContain("2 of 3 verdicts held");
    expect(html.match(/<section [^>]*class="section matrix fail"/g)).toHaveLength(1);
  });

  it("says so when nothing was recorded", () => {
    expect(reportHtml({ format: "meshwright-report/1", title: "empty", createdAt: "x", sections: [] }, [])).toContain("Nothing was recorded");
  });
});

describe("a report folder", () => {
  it("keeps each section in a fragment as it is recorded, stamped with the jest test, and draws them all into report.html and report.json", async () => {
    const dir = tempDir();
    const first = everyKind(dir);
    expect(readdirSync(join(dir, "fragments"))).toHaveLength(1);
    new MeshReport({ dir }).addLatency([latencySeries("mesh", [5])], "second process");
    const fragments = readFragments(dir);
    expect(fragments.map((f) => f.sections.length)).toEqual([first.sections.length, 1]);
    expect(fragments[0]!.sections[0]!.source).toEqual({
      testPath: join("test", "unit", "harness", "report.test.ts"),
      testName: expect.stringContaining("a report folder keeps each section") as string,
    });

    const written = await writeReport(dir, { title: "run" });
    const json = JSON.parse(readFileSync(written.json, "utf8")) as ReportData;
    expect(json).toEqual(written.data);
    expect(json.sections).toEqual(mergeReports(fragments).sections);
    expect(json.sections).toEqual([...first.sections, ...fragments[1]!.sections]);
    expect(JSON.parse(JSON.stringify(first.toJSON()))).toEqual(first.toJSON());
    expect(readFileSync(written.html, "utf8").match(/<svg[\s>]/g)).toHaveLength(5);
  });

  it("refuses a fragment the harness did not write, naming it", () => {
    const dir = tempDir();
    new MeshReport({ dir }).addLatency([], "x");
    const name = readdirSync(join(dir, "fragments"))[0]!;
    writeFileSync(join(dir, "fragments", `zz-${name}`), JSON.stringify({ format: "other" }));
    expect(() => readFragments(dir)).toThrow(/zz-.*is not a meshwright report fragment/);
  });
});

describe("recording from the harness", () => {
  it("is off unless a report was started or MESHWRIGHT_REPORT_DIR is set", () => {
    const saved = process.env[REPORT_DIR_VARIABLE];
    try {
      delete process.env[REPORT_DIR_VARIABLE];
      jest.isolateModules(() => {
        const fresh = require("../../../harness/report/active-report") as typeof import("../../../harness/report/active-report");
        expect(fresh.activeReport()).toBeUndefined();
        const report = fresh.startReport();
        expect(fresh.activeReport()).toBe(report);
        expect(fresh.stopReport()).toBe(report);
        expect(fresh.activeReport()).toBeUndefined();
      });
      const dir = tempDir();
      process.env[REPORT_DIR_VARIABLE] = dir;
      jest.isolateModules(() => {
        const fresh = require("../../../harness/report/active-report") as typeof import("../../../harness/report/active-report");
        expect(fresh.activeReport()?.dir).toBe(dir);
        expect(fresh.activeReport()).toBe(fresh.activeReport());
      });
    } finally {
      if (saved === undefined) delete process.env[REPORT_DIR_VARIABLE];
      else process.env[REPORT_DIR_VARIABLE] = saved;
    }
  });

  it("takes the balance matchers' verdicts with what each claimed, `.not` included", () => {
    const report = startReport();
    expect({ "pay-1": 100, "pay-2": 98 }).toBeUniform(["pay-1", "pay-2"]);
    expect({ "pay-1": 190, "pay-2": 10 }).not.toMatchWeights({ "pay-1": 1, "pay-2": 1 });
    expect(report.sections.map((s) => s.kind === "balance" && [s.claim, s.consistent])).toEqual([
      ["fits", true],
      ["differs", false],
    ]);
  });
});
