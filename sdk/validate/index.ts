import type { core } from "zod";
import { Mesh } from "../model/mesh";
import type { IngressSpec, MeshSpec, ServiceSpec } from "../model/spec";
import type { MeshIssue } from "../errors";
import { at, IssueList } from "./issues";
import { ingressSchema, meshSchema, serviceSchema } from "./schema";
import type { Rule } from "./context";
import { metaAndSubsetsAreValid, namesAreDnsSafe, namesAreUnique } from "./rules/names";
import { durationsAreValid } from "./rules/durations";
import { instancesAreNotEmpty } from "./rules/instances";
import { upstreamsExist } from "./rules/upstreams";
import { portsDoNotClash } from "./rules/ports";
import { loadBalancingDoesNotConflict, loadBalancingIsConsistent, splitsAndDefaultSubsetAreValid } from "./rules/load-balancing";
import { appEnvIsValid, appImageOrBuildIsValid, appSettingsAreValid, plainEnvHoldsNoSecrets, secretEnvIsConsistent } from "./rules/apps";
import { l7ResilienceNeedsL7, retriesAreMeaningful } from "./rules/resilience";
import { failoverTargetExists } from "./rules/failover";
import { accessRulesDoNotConflict, callersExist, jwtRequirementsAreDefined, l7RulesNeedL7, ruleMatchersAreWellFormed } from "./rules/access";
import { grantsAreDefined, issuerMatchesKeycloak, scopesAndRolesAreWellFormed, webAppsAreValid } from "./rules/identity";
import { ingressRoutesAreValid } from "./rules/ingress";
import { consulServersFormAQuorum } from "./rules/consul";
import { ingressRouteMatchesAreValid, serviceRoutesAreValid } from "./rules/routing";

/**
 * Every semantic rule, run in this order on the parts of the mesh whose shape is valid.
 * @internal the rule table is how validate() is built, not API
 */
export const RULES: readonly Rule[] = [
  namesAreDnsSafe,
  namesAreUnique,
  metaAndSubsetsAreValid,
  durationsAreValid,
  instancesAreNotEmpty,
  upstreamsExist,
  portsDoNotClash,
  loadBalancingIsConsistent,
  loadBalancingDoesNotConflict,
  splitsAndDefaultSubsetAreValid,
  l7ResilienceNeedsL7,
  retriesAreMeaningful,
  failoverTargetExists,
  serviceRoutesAreValid,
  ingressRouteMatchesAreValid,
  callersExist,
  l7RulesNeedL7,
  accessRulesDoNotConflict,
  ruleMatchersAreWellFormed,
  jwtRequirementsAreDefined,
  issuerMatchesKeycloak,
  scopesAndRolesAreWellFormed,
  grantsAreDefined,
  ingressRoutesAreValid,
  webAppsAreValid,
  appImageOrBuildIsValid,
  appEnvIsValid,
  plainEnvHoldsNoSecrets,
  secretEnvIsConsistent,
  appSettingsAreValid,
  consulServersFormAQuorum,
];

/**
 * Every problem in the mesh, each with a path, a message and a hint; empty when the mesh is
 * valid. Never throws on malformed input.
 */
export function validate(input: Mesh | MeshSpec): MeshIssue[] {
  const issues = new IssueList();
  const raw: unknown = input instanceof Mesh ? input.toSpec() : input;
  const top = meshSchema.safeParse(raw);
  if (!top.success) {
    addZodIssues(issues, "", top.error.issues);
  }
  if (!raw || typeof raw !== "object" || !Array.isArray((raw as { services?: unknown }).services)) {
    if (top.success) issues.add("services", "services must be a list", "build the mesh with new Mesh(...) and mesh.service(...)");
    return issues.issues;
  }
  const rawMesh = raw as Record<string, unknown> & { services: unknown[]; ingresses?: unknown };
  const broken = new Set((top.success ? [] : top.error.issues).map((i) => String(i.path[0])));
  const services: ServiceSpec[] = [];
  const serviceNames = new Set<string>();
  rawMesh.services.forEach((s, i) => {
    const name = nameOf(s);
    if (name !== undefined) serviceNames.add(name);
    const parsed = serviceSchema.safeParse(s);
    if (parsed.success) services.push(s as ServiceSpec);
    else addZodIssues(issues, name !== undefined ? `services.${name}` : `services[${i}]`, parsed.error.issues);
  });
  const ingresses: IngressSpec[] = [];
  const ingressNames = new Set<string>();
  (Array.isArray(rawMesh.ingresses) ? rawMesh.ingresses : []).forEach((g, i) => {
    const name = nameOf(g);
    if (name !== undefined) ingressNames.add(name);
    const parsed = ingressSchema.safeParse(g);
    if (parsed.success) ingresses.push(g as IngressSpec);
    else addZodIssues(issues, name !== undefined ? `ingresses.${name}` : `ingresses[${i}]`, parsed.error.issues);
  });
  if (broken.has("name")) return issues.issues;
  const mesh = Object.fromEntries(
    Object.entries(rawMesh).filter(([key]) => !broken.has(key) || key === "services" || key === "ingresses"),
  ) as unknown as MeshSpec;
  const context = { mesh, services, serviceNames, ingresses, ingressNames, issues };
  for (const rule of RULES) rule(context);
  return issues.issues;
}

function nameOf(raw: unknown): string | undefined {
  if (raw && typeof raw === "object" && "name" in raw && typeof raw.name === "string") return raw.name;
  return undefined;
}

function addZodIssues(issues: IssueList, base: string, zodIssues: readonly core.$ZodIssue[]): void {
  for (const issue of zodIssues) {
    // services and ingresses are checked one by one; their top-level shape issues would repeat
    if (base === "" && (issue.path[0] === "services" || issue.path[0] === "ingresses") && issue.path.length > 1) continue;
    const path = at(base, ...issue.path.map((p) => (typeof p === "number" ? p : String(p))));
    issues.add(path || "(mesh)", issue.message, hintFor(issue));
  }
}

function hintFor(issue: core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `give a value of type ${issue.expected}`;
    case "unrecognized_keys":
      return `remove ${issue.keys.map((k) => `"${k}"`).join(", ")} or check the spelling against the props' TSDoc`;
    case "invalid_value":
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `use a value of at least ${String(issue.minimum)}`;
    case "too_big":
      return `use a value of at most ${String(issue.maximum)}`;
    case "invalid_union":
      return "check the field against the props' TSDoc";
    default:
      return "check the field against the props' TSDoc";
  }
}
