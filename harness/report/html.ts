import { plotOf } from "./plots";
import { renderSvgs } from "./render-svg";
import type { BalanceSection, ChaosSection, LatencySection, MatrixSection, ReportData, ReportSection, TraceSection } from "./sections";

/** The order kinds appear in; within a kind, sections keep the order they were recorded in. */
const KIND_ORDER: readonly ReportSection["kind"][] = ["balance", "matrix", "chaos", "latency", "trace"];
const KIND_NAMES: Record<ReportSection["kind"], string> = {
  balance: "balance",
  matrix: "matrices",
  chaos: "chaos timelines",
  latency: "latency",
  trace: "traces",
};

/** Text for HTML, in an element or an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Whether a section's assertion held; undefined for sections that only show what happened. */
export function sectionHeld(s: ReportSection): boolean | undefined {
  if (s.kind === "balance") return (s.claim === "fits") === s.consistent;
  if (s.kind === "matrix") return s.cells.every((c) => c.actual === c.expected);
  return undefined;
}

/** Sections in display order: by kind, then as recorded. */
export function orderedSections(data: ReportData): ReportSection[] {
  return KIND_ORDER.flatMap((k) => data.sections.filter((s) => s.kind === k));
}

// No scripts, no external URLs: the policy makes the browser refuse any fetch the page might try.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #222; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 17px; margin: 0 0 4px; } h3 { font-size: 15px; margin: 24px 0 8px; color: #555; }
.meta, .source { color: #666; font-size: 12px; }
section.section { border: 1px solid #ddd; border-left: 6px solid #bbb; border-radius: 4px; padding: 12px 16px; margin: 12px 0; }
section.pass { border-left-color: #54a24b; } section.fail { border-left-color: #e45756; }
.badge { display: inline-block; font-size: 12px; padding: 1px 8px; border-radius: 10px; margin-left: 8px; vertical-align: middle; color: #fff; }
.badge.pass { background: #54a24b; } .badge.fail { background: #e45756; }
figure.plot { margin: 8px 0; overflow-x: auto; } figure.plot svg { max-width: 100%; height: auto; }
.verdict { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
table.matrix { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
table.matrix th, table.matrix td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
table.matrix th { background: #f4f4f4; }
td.expected.allow { background: #e3eefa; } td.expected.deny { background: #f1f1f1; }
td.actual.pass { background: #d9f0d3; } td.actual.fail { background: #f8d0d0; font-weight: bold; }
nav ul { columns: 2; font-size: 13px; }
`;

function badge(held: boolean | undefined): string {
  return held === undefined ? "" : `<span class="badge ${held ? "pass" : "fail"}">${held ? "held" : "failed"}</span>`;
}

function sourceLine(s: ReportSection): string {
  const parts = [s.source?.testPath, s.source?.testName].filter((x): x is string => !!x);
  return parts.length ? `<p class="source">${escapeHtml(parts.join(" › "))}</p>` : "";
}

function figure(kind: string, svg: string | undefined): string {
  return svg ? `<figure class="plot" data-kind="${kind}">${svg}</figure>` : "";
}

function balanceBody(s: BalanceSection): string {
  const claim = s.claim === "fits" ? "the spread fits the declared weights" : "the spread does not fit these weights";
  return `<p>${escapeHtml(`${s.test}: χ² = ${s.statistic.toFixed(2)}, p = ${s.pValue.toPrecision(3)}, α = ${s.alpha}; claimed: ${claim}`)}</p>
<p class="verdict">${escapeHtml(s.summary)}</p>`;
}

function matrixBody(s: MatrixSection): string {
  const wrong = s.cells.filter((c) => c.actual !== c.expected).length;
  const head = [...s.columns, "expected", "actual"].map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const rows = s.cells
    .map((c) => {
      const ok = c.actual === c.expected;
      const allowed = c.allowed === undefined ? "" : c.allowed ? " allow" : " deny";
      return `<tr class="${ok ? "pass" : "fail"}">${c.labels.map((l) => `<td>${escapeHtml(l)}</td>`).join("")}<td class="expected${allowed}">${escapeHtml(c.expected)}</td><td class="actual ${ok ? "pass" : "fail"}">${escapeHtml(c.actual)}${ok ? "" : " ✗"}</td></tr>`;
    })
    .join("\n");
  return `<p>${s.cells.length} cells, ${wrong} differ from the expectation${s.cells.some((c) => c.allowed !== undefined) ? " (expected: blue lets through, grey refuses)" : ""}.</p>
<table class="matrix" data-matrix="${s.matrix}"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

function chaosBody(s: ChaosSection): string {
  const ok = s.buckets.reduce((n, b) => n + b.ok, 0);
  const failed = s.buckets.reduce((n, b) => n + b.failed, 0);
  const marks = s.marks.map((m) => `${m.kind} at ${(m.atMs / 1000).toFixed(2)} s: ${m.label}`).join("; ");
  return `<p>${escapeHtml(`${ok + failed} requests, ${failed} failed; ${marks || "no marks"}.`)}</p>`;
}

function latencyBody(s: LatencySection): string {
  return `<p>${escapeHtml(s.series.map((x) => `${x.name}: ${x.points.map((p) => `p${p.percentile} ${Number(p.ms.toFixed(3))} ms`).join(", ")}`).join(" · "))}</p>`;
}

function traceBody(s: TraceSection): string {
  return `<p>${escapeHtml(`${s.spans.length} spans from ${[...new Set(s.spans.map((x) => x.service))].join(", ")}`)}</p>`;
}

function sectionHtml(s: ReportSection, id: string, svg: string | undefined): string {
  const held = sectionHeld(s);
  const body = (() => {
    switch (s.kind) {
      case "balance":
        return balanceBody(s);
      case "matrix":
        return matrixBody(s);
      case "chaos":
        return chaosBody(s);
      case "latency":
        return latencyBody(s);
      case "trace":
        return traceBody(s);
    }
  })();
  const cls = `section ${s.kind}${held === undefined ? "" : held ? " pass" : " fail"}`;
  return `<section id="${id}" class="${cls}" data-kind="${s.kind}">
<h2>${escapeHtml(s.title)}${badge(held)}</h2>
${sourceLine(s)}
${body}
${figure(s.kind, svg)}
</section>`;
}

/**
 * The report as one self-contained HTML page: inline CSS, the plots as inline SVG (`svgs[i]`
 * for `orderedSections(data)[i]`, undefined for tables), no scripts and nothing to fetch.
 */
export function reportHtml(data: ReportData, svgs: readonly (string | undefined)[]): string {
  const sections = orderedSections(data);
  const verdicts = sections.map(sectionHeld).filter((h) => h !== undefined);
  const failed = verdicts.filter((h) => !h).length;
  const counts = KIND_ORDER.map((k) => [k, sections.filter((s) => s.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${KIND_NAMES[k]}`)
    .join(", ");
  let kind: string | undefined;
  const body = sections
    .map((s, i) => {
      const heading = s.kind !== kind ? `<h3>${escapeHtml(KIND_NAMES[s.kind])}</h3>\n` : "";
      kind = s.kind;
      return heading + sectionHtml(s, `s${i + 1}`, svgs[i]);
    })
    .join("\n");
  const nav = sections.map((s, i) => `<li><a href="#s${i + 1}">${escapeHtml(s.title)}</a>${badge(sectionHeld(s))}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">${escapeHtml(`${data.createdAt} · ${sections.length ? counts : "no sections recorded"} · ${verdicts.length - failed} of ${verdicts.length} verdicts held`)}</p>
</header>
${sections.length ? `<nav><ul>${nav}</ul></nav>` : "<p>Nothing was recorded: run the tests with MESHWRIGHT_REPORT_DIR set, or add sections to the report.</p>"}
<main>
${body}
</main>
</body>
</html>
`;
}

/** Renders the report to its HTML page, plots drawn with Vega-Lite (in a worker thread). */
export async function renderReportHtml(data: ReportData): Promise<string> {
  const sections = orderedSections(data);
  const specs = sections.map(plotOf);
  const drawn = await renderSvgs(specs.filter((s) => s !== undefined));
  let next = 0;
  return reportHtml(
    data,
    specs.map((s) => (s === undefined ? undefined : drawn[next++])),
  );
}
