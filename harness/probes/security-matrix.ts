import { activeReport } from "../report/active-report";

/**
 * One cell of a security matrix: who tried what against what, what must happen and what did.
 * Outcomes are short words a reader can check against the component's own answer, e.g.
 * `403 key:read` (Consul's ACL), `403 RBAC` (a sidecar's intentions), `refused` (nothing
 * listens), `TLS alert certificate required`, `not a member`.
 */
export interface SecurityCell {
  /** Stable name, e.g. `app.kv-read`; mutations name the cells they turn red by it. */
  readonly id: string;
  /** Where the attempt came from, e.g. `user-service-1 (app namespace)`. */
  readonly from: string;
  readonly target: string;
  readonly attempt: string;
  readonly expected: string;
  readonly actual: string;
}

/** The cells whose outcome differs from the expectation. With a report active, the whole matrix is recorded in it. */
export function securityMismatches(cells: readonly SecurityCell[]): SecurityCell[] {
  activeReport()?.addSecurityMatrix(cells);
  return cells.filter((c) => c.actual !== c.expected);
}

/** The matrix as an aligned text table, mismatches marked ✗, for failure messages and reports. */
export function formatSecurityMatrix(cells: readonly SecurityCell[]): string {
  const rows = [
    ["id", "from", "target", "attempt", "expected", "actual", ""],
    ...cells.map((c) => [c.id, c.from, c.target, c.attempt, c.expected, c.actual, c.actual === c.expected ? "" : "✗"]),
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
