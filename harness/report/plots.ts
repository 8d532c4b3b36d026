import type { TopLevelSpec } from "vega-lite" with { "resolution-mode": "import" };
import type { BalanceSection, ChaosSection, LatencySection, ReportSection, TraceSection } from "./sections";

/** A Vega-Lite spec: data inline, so rendering it fetches nothing. */
export type PlotSpec = TopLevelSpec;

const BASE = {
  background: "white",
  config: { font: "sans-serif", view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, labelLimit: 400 } },
} as const;

const COLORS = { observed: "#4c78a8", expected: "#bab0ac", ok: "#54a24b", failed: "#e45756", fault: "#b279a2", heal: "#4c78a8" };

/** Observed against expected requests per instance, side by side. */
export function balancePlot(s: BalanceSection): PlotSpec {
  const names = [...new Set([...Object.keys(s.expected), ...Object.keys(s.observed)])].sort();
  const values = names.flatMap((instance) => [
    { instance, series: "observed", requests: s.observed[instance] ?? 0 },
    { instance, series: "expected", requests: s.expected[instance] ?? 0 },
  ]);
  return {
    ...BASE,
    width: Math.max(200, 80 * names.length),
    height: 180,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "instance", type: "nominal", title: null, axis: { labelAngle: names.length > 4 ? -30 : 0, labelLimit: 160 } },
      xOffset: { field: "series", type: "nominal", sort: ["observed", "expected"] },
      y: { field: "requests", type: "quantitative", title: "requests" },
      color: {
        field: "series",
        type: "nominal",
        scale: { domain: ["observed", "expected"], range: [COLORS.observed, COLORS.expected] },
        legend: { orient: "top", title: null },
      },
    },
  };
}

/** Requests per bucket, ok stacked under failed, with a rule and a label at each fault and heal. */
export function chaosPlot(s: ChaosSection): PlotSpec {
  // Stacked by hand (y to y2): Vega-Lite does not stack bars that span x to x2.
  const bars = s.buckets.flatMap((b) => {
    const t0 = b.startMs / 1000;
    const t1 = (b.startMs + s.bucketMs) / 1000;
    return [
      { t0, t1, outcome: "ok", y0: 0, y1: b.ok },
      { t0, t1, outcome: "failed", y0: b.ok, y1: b.ok + b.failed },
    ].filter((r) => r.y1 > r.y0);
  });
  // Labels step down a line each, so marks close together stay readable.
  const marks = s.marks.map((m, i) => ({ t: m.atMs / 1000, kind: m.kind, label: m.label, labelY: 2 + 13 * (i % 4) }));
  const x = { field: "t0", type: "quantitative", title: "seconds after the load began" } as const;
  return {
    ...BASE,
    width: 640,
    height: 200,
    layer: [
      {
        data: { values: bars },
        mark: { type: "bar" },
        encoding: {
          x,
          x2: { field: "t1" },
          y: { field: "y1", type: "quantitative", title: `requests per ${s.bucketMs} ms` },
          y2: { field: "y0" },
          color: {
            field: "outcome",
            type: "nominal",
            scale: { domain: ["ok", "failed"], range: [COLORS.ok, COLORS.failed] },
            legend: { orient: "top", title: null },
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: "rule", strokeWidth: 2, strokeDash: [4, 3] },
        encoding: {
          x: { field: "t", type: "quantitative" },
          stroke: {
            field: "kind",
            type: "nominal",
            scale: { domain: ["fault", "heal"], range: [COLORS.fault, COLORS.heal] },
            legend: { orient: "top", title: null },
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: "text", align: "left", baseline: "top", dx: 4, fontSize: 11 },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "labelY", type: "quantitative", scale: null },
          text: { field: "label" },
          color: { value: "#333" },
        },
      },
    ],
  };
}

const percentileLabel = (p: number) => `p${p}`;

/** Latency per percentile, one line per series (direct, mesh, …). */
export function latencyPlot(s: LatencySection): PlotSpec {
  const values = s.series.flatMap((series) =>
    series.points.map((p) => ({ series: series.name, percentile: p.percentile, label: percentileLabel(p.percentile), ms: p.ms })),
  );
  const order = [...new Set(s.series.flatMap((x) => x.points.map((p) => p.percentile)))].sort((a, b) => a - b).map(percentileLabel);
  return {
    ...BASE,
    width: Math.max(240, 70 * order.length),
    height: 200,
    data: { values },
    mark: { type: "line", point: { size: 50 } },
    encoding: {
      x: { field: "label", type: "ordinal", sort: order, title: "percentile", axis: { labelAngle: 0 } },
      y: { field: "ms", type: "quantitative", title: "latency (ms)" },
      color: { field: "series", type: "nominal", legend: { orient: "top", title: null } },
    },
  };
}

/** A trace's spans as a waterfall, by start. */
export function tracePlot(s: TraceSection): PlotSpec {
  const values = s.spans.map((span, i) => ({
    row: `${i + 1}. ${span.service} · ${span.name}`,
    service: span.service,
    start: span.startMs,
    // A span too short to see still gets a sliver.
    end: span.startMs + Math.max(span.durationMs, 0.01),
  }));
  return {
    ...BASE,
    width: 480,
    height: { step: 22 },
    data: { values },
    mark: { type: "bar" },
    encoding: {
      y: { field: "row", type: "ordinal", sort: null, title: null, axis: { labelLimit: 360 } },
      x: { field: "start", type: "quantitative", title: "ms after the trace began" },
      x2: { field: "end" },
      color: { field: "service", type: "nominal", legend: { orient: "top", title: null } },
    },
  };
}

/** The plot of a section, or undefined for sections drawn as tables. */
export function plotOf(section: ReportSection): PlotSpec | undefined {
  switch (section.kind) {
    case "balance":
      return balancePlot(section);
    case "chaos":
      return chaosPlot(section);
    case "latency":
      return latencyPlot(section);
    case "trace":
      return tracePlot(section);
    case "matrix":
      return undefined;
    default: {
      const never: never = section;
      throw new Error(`unknown section ${JSON.stringify(never)}`);
    }
  }
}
