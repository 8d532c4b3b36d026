import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { AuthCell } from "../probes/auth-matrix";
import type { SecurityCell } from "../probes/security-matrix";
import type { TrafficResult } from "../probes/traffic";
import type { ZipkinSpan } from "../roles/zipkin";
import type { BalanceVerdict } from "../stats/balance-verdict";
import { authMatrixSection, securityMatrixSection } from "./matrices";
import { REPORT_FORMAT, type ChaosMark, type LatencySeries, type ReportData, type ReportSection, type SectionSource } from "./sections";
import { chaosBuckets } from "./timeline";
import { traceSections } from "./traces";

/** Where a report keeps what it records, and what it is called. */
export interface MeshReportOptions {
  /**
   * The report folder: each section is written at once to a fragment of this report under
   * `<dir>/fragments/`, so a test process that dies keeps what it recorded, and
   * {@link writeReport} merges every fragment there into `report.html`. Without it the
   * report lives in memory only.
   */
  readonly dir?: string;
  /** @default "meshwright report" */
  readonly title?: string;
}

/** How a balance section reads. */
export interface BalanceSectionOptions {
  /** @default "spread over" the instances (the source line names the test) */
  readonly title?: string;
  /** What the assertion claimed: the spread fits (the default) or, for a `.not` matcher, differs. */
  readonly claim?: "fits" | "differs";
}

/** How a chaos timeline reads. */
export interface ChaosTimelineOptions {
  /** @default "chaos timeline" (the source line names the test) */
  readonly title?: string;
  /** Width of a time bucket. @default 100 */
  readonly bucketMs?: number;
}

/** Reports started in this process so far: orders fragments started within the same millisecond. */
let started = 0;

/** The jest test running now, read from jest's `expect` when there is one. */
function currentTest(): SectionSource | undefined {
  const expect = (globalThis as { expect?: { getState?: () => { testPath?: string; currentTestName?: string } } }).expect;
  const state = expect?.getState?.();
  if (!state) return undefined;
  return {
    ...(state.testPath ? { testPath: relative(process.cwd(), state.testPath) } : {}),
    ...(state.currentTestName ? { testName: state.currentTestName } : {}),
  };
}

/**
 * A report of one test process (or one run): balance verdicts, auth and security matrices,
 * chaos timelines, latency curves and traces, as typed sections. Record into it directly, or
 * let the harness do it: with a report active ({@link startReport}, or `MESHWRIGHT_REPORT_DIR`)
 * the balance matchers, `mismatches`, `securityMismatches` and chaos traffic record on their
 * own. {@link writeReport} draws it.
 */
export class MeshReport {
  /** The report folder, when there is one. */
  readonly dir: string | undefined;
  readonly title: string;
  /** When the report started, ISO 8601. */
  readonly createdAt = new Date().toISOString();
  private readonly recorded: ReportSection[] = [];
  private readonly fragment: string | undefined;

  constructor(options: MeshReportOptions = {}) {
    this.dir = options.dir;
    this.title = options.title ?? "meshwright report";
    // Sorts by start time (then by order within this process), and is unique per process and report.
    const seq = String(started++).padStart(4, "0");
    if (this.dir)
      this.fragment = join(this.dir, "fragments", `${this.createdAt.replace(/[:.]/g, "-")}-${process.pid}-${seq}-${randomBytes(3).toString("hex")}.json`);
  }

  /** The sections recorded so far, in order. */
  get sections(): readonly ReportSection[] {
    return this.recorded;
  }

  /** Records a section (stamped with the jest test recording it, if any) and saves the fragment. */
  add(section: ReportSection): this {
    const source = section.source ?? currentTest();
    this.recorded.push(source ? { ...section, source } : section);
    this.save();
    return this;
  }

  /** Records a balance verdict (from `weightsVerdict`, or a matcher). */
  addBalance(verdict: BalanceVerdict, options: BalanceSectionOptions = {}): this {
    return this.add({
      kind: "balance",
      title: options.title ?? `spread over ${Object.keys(verdict.expected).join(", ")}`,
      test: "chi-square goodness of fit",
      observed: verdict.observed,
      expected: verdict.expected,
      statistic: verdict.statistic,
      pValue: verdict.pValue,
      alpha: Number((1 - verdict.confidence).toPrecision(6)),
      claim: options.claim ?? "fits",
      consistent: verdict.pass,
      summary: verdict.summary,
    });
  }

  /** Records an auth matrix: statuses per caller, callee and request. */
  addAuthMatrix(cells: readonly AuthCell[], title?: string): this {
    return this.add(authMatrixSection(cells, title));
  }

  /** Records a security matrix: outcomes per attempt. */
  addSecurityMatrix(cells: readonly SecurityCell[], title?: string): this {
    return this.add(securityMatrixSection(cells, title));
  }

  /**
   * Records a chaos timeline: `results` (a `TrafficSample`'s, `startMs` after the load began)
   * per time bucket, ok and failed, with fault and heal `marks` on the same clock.
   */
  addChaosTimeline(results: readonly TrafficResult[], marks: readonly ChaosMark[], options: ChaosTimelineOptions = {}): this {
    const bucketMs = options.bucketMs ?? 100;
    return this.add({
      kind: "chaos",
      title: options.title ?? "chaos timeline",
      bucketMs,
      buckets: chaosBuckets(results, marks, bucketMs),
      marks: [...marks].sort((a, b) => a.atMs - b.atMs),
    });
  }

  /** Records latency curves side by side (see `latencySeries`, `latencyFromBench`). */
  addLatency(series: readonly LatencySeries[], title?: string): this {
    return this.add({ kind: "latency", title: title ?? "latency", series });
  }

  /** Records up to `limit` traces (Zipkin's, as `ZipkinServer.traces()` returns them), one waterfall each. */
  addTraces(traces: readonly (readonly ZipkinSpan[])[], options: { readonly title?: string; readonly limit?: number } = {}): this {
    for (const s of traceSections(traces.slice(0, options.limit ?? 3), options.title ?? "trace")) this.add(s);
    return this;
  }

  /** The report as data (what `report.json` holds). */
  toJSON(): ReportData {
    return { format: REPORT_FORMAT, title: this.title, createdAt: this.createdAt, sections: [...this.recorded] };
  }

  private save(): void {
    if (!this.fragment) return;
    mkdirSync(join(this.fragment, ".."), { recursive: true });
    // Whole or not at all: a reader never sees half a fragment.
    const tmp = `${this.fragment}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.toJSON()));
    renameSync(tmp, this.fragment);
  }
}
