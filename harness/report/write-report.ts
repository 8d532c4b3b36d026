import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MeshwrightError } from "../../toolchain/errors";
import { renderReportHtml } from "./html";
import { REPORT_FORMAT, type ReportData, type ReportSection } from "./sections";

/** What {@link writeReport} adds to the fragments, and how it titles the page. */
export interface WriteReportOptions {
  /** @default "meshwright report" */
  readonly title?: string;
  /** Sections recorded elsewhere, e.g. latency curves from a bench (`latencyFromBench`). */
  readonly extraSections?: readonly ReportSection[];
}

/** Where {@link writeReport} wrote, and what. */
export interface WrittenReport {
  /** `<dir>/report.html`: one self-contained page. */
  readonly html: string;
  /** `<dir>/report.json`: the same report as data ({@link ReportData}). */
  readonly json: string;
  readonly data: ReportData;
}

/** Every fragment under `<dir>/fragments/`, oldest first; a file that is not a report fragment fails, naming it. */
export function readFragments(dir: string): ReportData[] {
  const folder = join(dir, "fragments");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const data = JSON.parse(readFileSync(join(folder, f), "utf8")) as Partial<ReportData>;
      if (data.format !== REPORT_FORMAT || !Array.isArray(data.sections))
        throw new MeshwrightError(`${join(folder, f)} is not a meshwright report fragment (format ${String(data.format)})`, {
          fix: `remove it, or keep only files the harness wrote in ${folder}`,
        });
      return data as ReportData;
    });
}

/** One report from fragments (in order) plus extra sections. */
export function mergeReports(fragments: readonly ReportData[], options: WriteReportOptions = {}): ReportData {
  return {
    format: REPORT_FORMAT,
    title: options.title ?? "meshwright report",
    createdAt: new Date().toISOString(),
    sections: [...fragments.flatMap((f) => f.sections), ...(options.extraSections ?? [])],
  };
}

function writeAtomic(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

/**
 * Draws the report folder `dir`: merges every fragment the test processes saved there (see
 * `MeshReport`) with `extraSections`, and writes `report.html` (one self-contained file:
 * inline SVG plots, inline CSS, no scripts, nothing fetched when viewed) and `report.json`.
 */
export async function writeReport(dir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const data = mergeReports(readFragments(dir), options);
  const html = await renderReportHtml(data);
  mkdirSync(dir, { recursive: true });
  const paths = { html: join(dir, "report.html"), json: join(dir, "report.json") };
  writeAtomic(paths.json, `${JSON.stringify(data, null, 2)}\n`);
  writeAtomic(paths.html, html);
  return { ...paths, data };
}
