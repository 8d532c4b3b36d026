import type { IngressSpec, MeshSpec, ServiceSpec } from "../model/spec";
import type { InstanceProps } from "../model/service";
import type { IssueList } from "./issues";

/** What every rule sees: the parts of the mesh whose shape is valid, and the issue list. */
export interface RuleContext {
  readonly mesh: MeshSpec;
  /** Services whose shape parsed. */
  readonly services: readonly ServiceSpec[];
  /** Every declared service name, including services whose shape did not parse. */
  readonly serviceNames: ReadonlySet<string>;
  readonly ingresses: readonly IngressSpec[];
  readonly ingressNames: ReadonlySet<string>;
  readonly issues: IssueList;
}

/** A semantic rule: adds an issue for every problem it finds. */
export type Rule = (context: RuleContext) => void;

/** `services.<name>` */
export function servicePath(service: { name: string }): string {
  return `services.${service.name}`;
}

/** Scope names declared by the mesh identity. */
export function definedScopes(mesh: MeshSpec): Set<string> {
  return new Set((mesh.identity?.scopes ?? []).map((s) => (typeof s === "string" ? s : s.name)));
}

/** Role names declared by the mesh identity. */
export function definedRoles(mesh: MeshSpec): Set<string> {
  return new Set((mesh.identity?.roles ?? []).map((r) => (typeof r === "string" ? r : r.name)));
}

/** The instance props a service lists (none when it gives a count). */
export function instanceList(service: ServiceSpec): readonly InstanceProps[] {
  const instances = service.instances;
  return typeof instances === "object" ? instances : [];
}

/** Subset name of each instance (the default subset is `primary`). */
export function instanceSubsets(service: ServiceSpec): string[] {
  const instances = service.instances ?? 1;
  if (typeof instances === "number") return Array.from({ length: instances }, () => "primary");
  return instances.map((i) => i.subset ?? "primary");
}

/** Protocol with its default. */
export function protocolOf(service: ServiceSpec): "http" | "grpc" | "tcp" {
  return service.protocol ?? "http";
}
