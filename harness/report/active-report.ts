import { resolve } from "node:path";
import { MeshReport, type MeshReportOptions } from "./mesh-report";
import type { ChaosMark } from "./sections";

/** The variable that turns recording on for a whole run: the report folder (e.g. `reports/latest`). */
export const REPORT_DIR_VARIABLE = "MESHWRIGHT_REPORT_DIR";

let active: MeshReport | undefined;
let stopped = false;

/**
 * Starts this process's report, replacing one already active: from now on the harness records
 * into it (balance matchers, `mismatches`, `securityMismatches`, chaos traffic). With a `dir`,
 * each section is saved there at once as a fragment; `writeReport(dir)` draws them all.
 */
export function startReport(options: MeshReportOptions = {}): MeshReport {
  active = new MeshReport(options);
  stopped = false;
  return active;
}

/**
 * The report the harness records into, or undefined when recording is off. Off unless
 * {@link startReport} was called or `MESHWRIGHT_REPORT_DIR` is set, in which case the first
 * call starts a report saving to that folder (each jest test file gets its own fragment).
 */
export function activeReport(): MeshReport | undefined {
  if (!active && !stopped) {
    const dir = process.env[REPORT_DIR_VARIABLE];
    if (dir) active = new MeshReport({ dir: resolve(dir) });
  }
  return active;
}

/** Stops recording in this process (also from `MESHWRIGHT_REPORT_DIR`); returns the report that was active. */
export function stopReport(): MeshReport | undefined {
  const was = active;
  active = undefined;
  stopped = true;
  return was;
}

/** Faults and heals with their wall-clock time, kept while a report is active. */
const marks: { readonly at: number; readonly kind: ChaosMark["kind"]; readonly label: string }[] = [];

/**
 * Notes a fault or heal (called by the chaos probes); cheap, and nothing without a report.
 * @internal
 */
export function recordChaosMark(kind: ChaosMark["kind"], label: string, at = Date.now()): void {
  if (!activeReport()) return;
  marks.push({ at, kind, label });
  if (marks.length > 1000) marks.splice(0, marks.length - 1000);
}

/**
 * The marks noted between `from` and `to` (wall clock, ms), on a clock that starts at `from`.
 * @internal
 */
export function chaosMarksBetween(from: number, to: number): ChaosMark[] {
  return marks.filter((m) => m.at >= from && m.at <= to).map((m) => ({ atMs: m.at - from, kind: m.kind, label: m.label }));
}
