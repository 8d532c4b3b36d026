import { checkHeaderMatch } from "./routing";
import { isL7Rule, needsJwt } from "../../model/access";
import { at } from "../issues";
import { definedRoles, definedScopes, protocolOf, servicePath, type Rule } from "../context";

/** Intentions name services or gateways that exist. */
export const callersExist: Rule = ({ services, serviceNames, ingressNames, issues }) => {
  for (const s of services) {
    (s.access ?? []).forEach((a, i) => {
      if (a.caller === "*") return;
      if (!serviceNames.has(a.caller) && !ingressNames.has(a.caller)) {
        issues.add(
          at(servicePath(s), "access", i, "caller"),
          `intention names unknown service "${a.caller}"`,
          `declare "${a.caller}" as a service or ingress, or fix the name`,
        );
      }
    });
  }
};

/** L7 rules (paths, methods, headers, JWT) need an HTTP-aware destination. */
export const l7RulesNeedL7: Rule = ({ services, issues }) => {
  for (const s of services) {
    if (protocolOf(s) !== "tcp") continue;
    (s.access ?? []).forEach((a, i) => {
      if (isL7Rule(a.rule)) {
        issues.add(
          at(servicePath(s), "access", i, "rule"),
          `L7 rule (paths, methods, headers or JWT) on tcp service ${s.name}`,
          'set protocol: "http" or "grpc" on the service, or allow the caller without a rule',
        );
      }
    });
  }
};

/** A caller is either allowed/denied outright or by rules; mixing the two is ambiguous. */
export const accessRulesDoNotConflict: Rule = ({ services, issues }) => {
  for (const s of services) {
    const outright = new Map<string, number>();
    const byRule = new Map<string, number>();
    (s.access ?? []).forEach((a, i) => {
      const path = at(servicePath(s), "access", i);
      if (isL7Rule(a.rule)) {
        if (outright.has(a.caller))
          issues.add(
            path,
            `${a.caller} is already ${s.access?.[outright.get(a.caller) ?? 0]?.action}ed outright, so this rule has no effect`,
            "either allow/deny the caller outright or by rules, not both",
          );
        byRule.set(a.caller, i);
      } else {
        if (outright.has(a.caller) || byRule.has(a.caller))
          issues.add(path, `${a.caller} already has an access rule on ${s.name}`, "keep one outright allow/deny per caller, or only L7 rules");
        outright.set(a.caller, i);
      }
      if (a.rule?.pathRegex !== undefined && (a.rule.paths?.length || a.rule.exactPaths?.length)) {
        issues.add(at(path, "rule"), "pathRegex cannot be combined with paths or exactPaths in one rule", "split it into two rules");
      }
    });
  }
};

/** A rule that needs a JWT needs the mesh identity, and names only defined scopes and roles. */
export const jwtRequirementsAreDefined: Rule = ({ mesh, services, ingressNames, issues }) => {
  const scopes = definedScopes(mesh);
  const roles = definedRoles(mesh);
  for (const s of services) {
    (s.access ?? []).forEach((a, i) => {
      const path = at(servicePath(s), "access", i, "rule");
      if (!needsJwt(a.rule)) return;
      if (!mesh.identity) {
        issues.add(
          path,
          "rule requires a JWT but the mesh has no identity (Keycloak realm)",
          "add identity: { scopes: [...], roles: [...] } to the Mesh props",
        );
        return;
      }
      if (ingressNames.has(a.caller) && !mesh.identity.unsafePasswordGrantClient && !mesh.identity.webApps?.length) {
        issues.add(
          path,
          `rule requires a token from ingress ${a.caller}, but the mesh has no client that issues end users' tokens, so no request could pass`,
          "declare the browser app users log in with (identity.webApps), or for a test mesh set identity.unsafePasswordGrantClient: true",
        );
      }
      if (a.action === "deny") {
        issues.add(
          path,
          "deny rules cannot require a JWT (Consul verifies JWTs on allow rules only)",
          "express it as an allow rule with the required scopes, roles or claims",
        );
      }
      (a.rule?.scopes ?? []).forEach((scope, j) => {
        if (!scopes.has(scope))
          issues.add(at(path, "scopes", j), `scope "${scope}" is required but never defined`, `add "${scope}" to identity.scopes of the mesh`);
      });
      (a.rule?.roles ?? []).forEach((role, j) => {
        if (!roles.has(role)) issues.add(at(path, "roles", j), `role "${role}" is required but never defined`, `add "${role}" to identity.roles of the mesh`);
      });
    });
  }
};

/** Paths in rules are absolute, and header matchers set at most one comparison. */
export const ruleMatchersAreWellFormed: Rule = ({ services, issues }) => {
  for (const s of services) {
    (s.access ?? []).forEach((a, i) => {
      const path = at(servicePath(s), "access", i, "rule");
      [...(a.rule?.paths ?? []), ...(a.rule?.exactPaths ?? [])].forEach((p) => {
        if (!p.startsWith("/")) issues.add(path, `path "${p}" does not start with "/"`, `write "/${p}"`);
      });
      (a.rule?.headers ?? []).forEach((h, j) => checkHeaderMatch(issues, at(path, "headers", j), h));
    });
  }
};
