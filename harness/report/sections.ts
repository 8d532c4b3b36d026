/**
 * What a report holds: plain, JSON-serializable sections, one idea each. `report.json` is
 * a {@link ReportData}; `report.html` draws it.
 */

/** The jest test that recorded a section, when one did. */
export interface SectionSource {
  /** The test file, relative to the working folder. */
  readonly testPath?: string;
  /** jest's full name of the test (describe blocks and test name). */
  readonly testName?: string;
}

/** What every section has. */
export interface SectionBase {
  /** The section's heading. */
  readonly title: string;
  /** Where it was recorded. */
  readonly source?: SectionSource;
}

/** A balance verdict: requests per instance, observed against expected, with the test's p-value. */
export interface BalanceSection extends SectionBase {
  readonly kind: "balance";
  /** The statistical test, e.g. `chi-square goodness of fit`. */
  readonly test: string;
  /** Instance → requests answered. */
  readonly observed: Readonly<Record<string, number>>;
  /** Instance → requests expected under the declared weights. */
  readonly expected: Readonly<Record<string, number>>;
  readonly statistic: number;
  readonly pValue: number;
  /** The significance level: a p-value below it means the spread does not fit. */
  readonly alpha: number;
  /** What the assertion claimed: that the spread fits the weights, or (a `.not` matcher) that it does not. */
  readonly claim: "fits" | "differs";
  /** Whether the verdict found the spread consistent with the weights. */
  readonly consistent: boolean;
  /** The verdict's one line. */
  readonly summary: string;
}

/** One attempt of a matrix: what it was, what had to happen, what did. */
export interface MatrixCell {
  /** One value per {@link MatrixSection.columns} entry: caller, callee, request, … */
  readonly labels: readonly string[];
  readonly expected: string;
  readonly actual: string;
  /** Whether the expected outcome lets the attempt through (drawn apart from refusals); unknown when absent. */
  readonly allowed?: boolean;
}

/** An auth or security matrix: each attempt, green when it did what was expected, red when not. */
export interface MatrixSection extends SectionBase {
  readonly kind: "matrix";
  /** Which matrix: `auth` (HTTP statuses) or `security` (outcome words). */
  readonly matrix: "auth" | "security";
  /** Headings of the label columns. */
  readonly columns: readonly string[];
  readonly cells: readonly MatrixCell[];
}

/** Requests that started within one time bucket of a chaos timeline. */
export interface ChaosBucket {
  /** Bucket start, ms after the load began. */
  readonly startMs: number;
  /** Requests answered with 2xx. */
  readonly ok: number;
  /** Requests answered otherwise, or not at all. */
  readonly failed: number;
}

/** A fault inflicted, or healed, while the load ran. */
export interface ChaosMark {
  /** When, ms after the load began. */
  readonly atMs: number;
  readonly kind: "fault" | "heal";
  /** What was done, e.g. `kill pay-1-app`. */
  readonly label: string;
}

/** Steady load against faults: requests per bucket, ok and failed, with fault and heal marks. */
export interface ChaosSection extends SectionBase {
  readonly kind: "chaos";
  /** Bucket width. */
  readonly bucketMs: number;
  readonly buckets: readonly ChaosBucket[];
  readonly marks: readonly ChaosMark[];
}

/** One latency percentile. */
export interface LatencyPoint {
  /** 0..100, e.g. 99.9. */
  readonly percentile: number;
  readonly ms: number;
}

/** A named latency curve, e.g. `direct` or `mesh`. */
export interface LatencySeries {
  readonly name: string;
  readonly points: readonly LatencyPoint[];
}

/** Latency percentile curves side by side, e.g. direct against through the mesh. */
export interface LatencySection extends SectionBase {
  readonly kind: "latency";
  readonly series: readonly LatencySeries[];
}

/** One span of a trace, placed on the trace's own clock. */
export interface TraceBar {
  readonly spanId: string;
  readonly parentId?: string;
  /** The reporting service. */
  readonly service: string;
  /** Span name and kind, e.g. `egress pay:8080 (CLIENT)`. */
  readonly name: string;
  /** Start, ms after the trace's first span began. */
  readonly startMs: number;
  readonly durationMs: number;
}

/** One trace as a waterfall of its spans. */
export interface TraceSection extends SectionBase {
  readonly kind: "trace";
  readonly traceId: string;
  readonly spans: readonly TraceBar[];
}

/** Any section; `kind` tells which. */
export type ReportSection = BalanceSection | MatrixSection | ChaosSection | LatencySection | TraceSection;

/** The contents of `report.json`, and of each fragment a test process writes. */
export interface ReportData {
  /** Format tag, for readers of the JSON. */
  readonly format: typeof REPORT_FORMAT;
  readonly title: string;
  /** When the report (or fragment) was started, ISO 8601. */
  readonly createdAt: string;
  readonly sections: readonly ReportSection[];
}

/** The value of {@link ReportData.format}. */
export const REPORT_FORMAT = "meshwright-report/1";
