/** One problem found in a mesh: where, what, and how to fix it. */
export interface MeshIssue {
  /** Where in the mesh, e.g. `services.payment-service.loadBalancing.hashPolicies[0]`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

/** The mesh the user declared is invalid. Lists every issue found, not only the first. */
export class MeshValidationError extends Error {
  override readonly name = "MeshValidationError";

  constructor(readonly issues: readonly MeshIssue[]) {
    super(
      `mesh is invalid (${issues.length} ${issues.length === 1 ? "issue" : "issues"}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message} (hint: ${i.hint})`).join("\n"),
    );
  }
}

/** A broken invariant inside meshwright: a bug, never the user's fault. */
export class MeshInvariantError extends Error {
  override readonly name = "MeshInvariantError";
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(value: never, what: string): never {
  throw new MeshInvariantError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
