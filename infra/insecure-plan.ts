/** A plan that trusts its containers, given without `unsafeAllowInsecurePlan` (MeshStack's or KubernetesMeshStack's). */
export class InsecurePlanError extends Error {
  override readonly name = "InsecurePlanError";
  constructor(
    mesh: string,
    /** What the plan leaves open (the SDK's `planWeaknesses`). */
    readonly weaknesses: readonly string[],
  ) {
    super(
      `mesh ${mesh}: the plan trusts its containers:\n${weaknesses.map((w) => `  - ${w}`).join("\n")}\nfix: compile the mesh with meshwright's SDK, or pass unsafeAllowInsecurePlan: true to the stack for a local experiment`,
    );
  }
}
