import type { MeshIssue } from "../../sdk";

/**
 * A plan that Kubernetes cannot run as it stands (a name Kubernetes refuses, a user given by
 * name, a health check form with no probe equivalent). Lists every issue, each with where in
 * the plan, what is wrong and how to fix it, like the SDK's `MeshValidationError`.
 */
export class KubernetesPlanError extends Error {
  override readonly name = "KubernetesPlanError";

  constructor(readonly issues: readonly MeshIssue[]) {
    super(
      `the plan cannot run on Kubernetes (${issues.length} ${issues.length === 1 ? "issue" : "issues"}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message} (hint: ${i.hint})`).join("\n"),
    );
  }
}

/** Collects issues while the manifests are built; {@link Issues.throwIfAny} throws them all at once. */
export class Issues {
  private readonly list: MeshIssue[] = [];

  add(path: string, message: string, hint: string): void {
    this.list.push({ path, message, hint });
  }

  throwIfAny(): void {
    if (this.list.length) throw new KubernetesPlanError(this.list);
  }
}
