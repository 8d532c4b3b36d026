import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPORT_DIR_VARIABLE } from "../harness/report/active-report";
import { latencyFromBench } from "../harness/report/latency";
import { writeReport } from "../harness/report/write-report";
import { MeshwrightError } from "../toolchain/errors";

/** Where CI keeps the latest report, relative to the repository (or project) root. */
export const LATEST_REPORT_DIR = "reports/latest";

/** Where the mesh bench writes its results. */
export const BENCH_RESULTS = "bench/results/mesh.json";

export interface ReportCommandOptions {
  /** A bench JSON to draw latency curves from; false for none; undefined: bench/results/mesh.json when it exists. */
  readonly bench?: string | false;
  readonly title?: string;
}

/** `meshwright report [dir]`: draws the fragments the tests saved in `dir` into report.html and report.json. */
export async function reportCommand(dir: string | undefined, opts: ReportCommandOptions, log: (line: string) => void = console.log): Promise<void> {
  const folder = resolve(dir ?? process.env[REPORT_DIR_VARIABLE] ?? LATEST_REPORT_DIR);
  const bench = opts.bench === false ? undefined : (opts.bench ?? (existsSync(BENCH_RESULTS) ? BENCH_RESULTS : undefined));
  let extraSections: ReturnType<typeof latencyFromBench> = [];
  if (bench) {
    if (!existsSync(bench))
      throw new MeshwrightError(`${bench}: no such bench results file`, { fix: "run the bench first (npx tsx bench/mesh/index.ts), or leave out --bench" });
    extraSections = latencyFromBench(JSON.parse(readFileSync(bench, "utf8")));
    if (!extraSections.length) log(`note: ${bench} has no latency percentiles this report can read (direct and mesh per cell); no latency curves from it`);
  }
  const written = await writeReport(folder, { ...(opts.title ? { title: opts.title } : {}), extraSections });
  const kinds = new Map<string, number>();
  for (const s of written.data.sections) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  log(
    `${written.html}\n${written.json}\n${written.data.sections.length} sections${kinds.size ? `: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}` : ""}${bench && extraSections.length ? ` (latency from ${bench})` : ""}`,
  );
  if (!written.data.sections.length)
    log(
      `nothing was recorded in ${folder}: run the tests with ${REPORT_DIR_VARIABLE}=${folder} (the harness then saves its verdicts there), then this command`,
    );
}
