import type { AuthCell } from "../probes/auth-matrix";
import type { SecurityCell } from "../probes/security-matrix";
import type { MatrixSection } from "./sections";

/** An auth matrix as a report section; a 2xx expectation counts as allowed. */
export function authMatrixSection(cells: readonly AuthCell[], title = "auth matrix"): MatrixSection {
  return {
    kind: "matrix",
    matrix: "auth",
    title,
    columns: ["caller", "callee", "request"],
    cells: cells.map((c) => ({
      labels: [c.caller, c.callee, c.request],
      expected: String(c.expected),
      actual: c.actual === undefined ? "no answer" : String(c.actual),
      allowed: c.expected >= 200 && c.expected < 300,
    })),
  };
}

/** A security matrix as a report section (its outcomes are words, so allowed stays unknown). */
export function securityMatrixSection(cells: readonly SecurityCell[], title = "security matrix"): MatrixSection {
  return {
    kind: "matrix",
    matrix: "security",
    title,
    columns: ["id", "from", "target", "attempt"],
    cells: cells.map((c) => ({ labels: [c.id, c.from, c.target, c.attempt], expected: c.expected, actual: c.actual })),
  };
}
