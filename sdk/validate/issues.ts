import type { MeshIssue } from "../errors";

/** Collects issues; rules add to it and never stop early. */
export class IssueList {
  readonly issues: MeshIssue[] = [];

  add(path: string, message: string, hint: string): void {
    this.issues.push({ path, message, hint });
  }
}

/** Joins path segments: names and keys with `.`, indexes as `[n]`. */
export function at(base: string, ...segments: (string | number)[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else path += path ? `.${segment}` : segment;
  }
  return path;
}
