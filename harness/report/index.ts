export { MeshReport, type MeshReportOptions, type BalanceSectionOptions, type ChaosTimelineOptions } from "./mesh-report";
export { startReport, activeReport, stopReport, REPORT_DIR_VARIABLE } from "./active-report";
export { writeReport, readFragments, mergeReports, type WriteReportOptions, type WrittenReport } from "./write-report";
export { renderReportHtml } from "./html";
export { latencySeries, latencyFromBench, DEFAULT_PERCENTILES } from "./latency";
export { chaosBuckets, type TimedRequest } from "./timeline";
export {
  REPORT_FORMAT,
  type ReportData,
  type ReportSection,
  type SectionBase,
  type SectionSource,
  type BalanceSection,
  type MatrixSection,
  type MatrixCell,
  type ChaosSection,
  type ChaosBucket,
  type ChaosMark,
  type LatencySection,
  type LatencySeries,
  type LatencyPoint,
  type TraceSection,
  type TraceBar,
} from "./sections";
