import { activeReport } from "../report/active-report";

/** One cell of an auth matrix: what was tried, what should happen, what did. */
export interface AuthCell {
  readonly caller: string;
  readonly callee: string;
  readonly request: string;
  readonly expected: number;
  readonly actual: number | undefined;
}

/** The cells whose outcome differs from the expectation. With a report active, the whole matrix is recorded in it. */
export function mismatches(cells: readonly AuthCell[]): AuthCell[] {
  activeReport()?.addAuthMatrix(cells);
  return cells.filter((c) => c.actual !== c.expected);
}

/** The matrix as an aligned text table, mismatches marked, for failure messages. */
export function formatAuthMatrix(cells: readonly AuthCell[]): string {
  const rows = [
    ["caller", "callee", "request", "expected", "actual", ""],
    ...cells.map((c) => [c.caller, c.callee, c.request, String(c.expected), String(c.actual ?? "no answer"), c.actual === c.expected ? "" : "✗"]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
