import { at } from "../issues";
import { definedRoles, definedScopes, servicePath, type Rule } from "../context";
import { isDnsSafe } from "../../model/names";

const SCOPE_NAME = /^[A-Za-z0-9:_-]+$/;

/** Defaults shared with the compiler. */
export const KEYCLOAK_DEFAULT_URL = "http://keycloak:8080";
/** The network alias of the Keycloak container. */
export const KEYCLOAK_HOST = "keycloak";

/**
 * The issuer Consul checks must be the one Keycloak writes into tokens, which it derives from
 * its hostname; and sidecars must reach that host to fetch the signing keys.
 */
export const issuerMatchesKeycloak: Rule = ({ mesh, issues }) => {
  const identity = mesh.identity;
  if (!identity) return;
  const realm = identity.realm ?? mesh.name;
  const url = identity.url ?? KEYCLOAK_DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    issues.add("identity.url", `"${url}" is not a URL`, `use ${KEYCLOAK_DEFAULT_URL}`);
  }
  if (parsed) {
    if (parsed.hostname !== KEYCLOAK_HOST || !["http:", "https:"].includes(parsed.protocol) || (parsed.pathname !== "/" && parsed.pathname !== "")) {
      issues.add(
        "identity.url",
        `Keycloak URL ${url} cannot be reached from the sidecars: the Keycloak container is only known as "${KEYCLOAK_HOST}"`,
        `use ${KEYCLOAK_DEFAULT_URL} (or another port on host "${KEYCLOAK_HOST}", without a path)`,
      );
    }
  }
  const expected = `${url.replace(/\/$/, "")}/realms/${realm}`;
  if (identity.issuer !== undefined && identity.issuer !== expected) {
    issues.add(
      "identity.issuer",
      `issuer "${identity.issuer}" cannot match tokens from Keycloak, which issues "${expected}" (KC_HOSTNAME + realm)`,
      `remove issuer, or set it to "${expected}"`,
    );
  }
  if (!isDnsSafe(realm)) {
    issues.add("identity.realm", `realm name "${realm}" is not URL-safe`, "use lowercase letters, digits and '-'");
  }
};

/** Scope and role names are unique and fit into claim paths. */
export const scopesAndRolesAreWellFormed: Rule = ({ mesh, issues }) => {
  const check = (kind: "scopes" | "roles") => {
    const seen = new Set<string>();
    (mesh.identity?.[kind] ?? []).forEach((entry, i) => {
      const name = typeof entry === "string" ? entry : entry.name;
      if (!SCOPE_NAME.test(name))
        issues.add(
          at("identity", kind, i),
          `"${name}" is not a valid ${kind === "scopes" ? "scope" : "role"} name`,
          "use letters, digits, ':', '_' and '-' (no dots or spaces: the name becomes a claim path)",
        );
      if (seen.has(name)) issues.add(at("identity", kind, i), `"${name}" is defined twice`, "define it once");
      if (kind === "roles" && name.startsWith("meshwright-"))
        issues.add(at("identity", kind, i), `role names starting with "meshwright-" are reserved`, "rename the role");
      seen.add(name);
    });
  };
  check("scopes");
  check("roles");
};

/** Scopes and roles granted to services and users are defined, and users are unique. */
export const grantsAreDefined: Rule = ({ mesh, services, issues }) => {
  const scopes = definedScopes(mesh);
  const roles = definedRoles(mesh);
  const grant = (path: string, kind: "scope" | "role", names: readonly string[] | undefined) =>
    (names ?? []).forEach((name, i) => {
      const known = kind === "scope" ? scopes : roles;
      if (!known.has(name)) issues.add(at(path, i), `${kind} "${name}" is granted but never defined`, `add "${name}" to identity.${kind}s of the mesh`);
    });
  for (const s of services) {
    if (!s.identity) continue;
    if (!mesh.identity) {
      issues.add(
        at(servicePath(s), "identity"),
        "service identity is set but the mesh has no identity (Keycloak realm)",
        "add identity: {...} to the Mesh props",
      );
      continue;
    }
    grant(at(servicePath(s), "identity", "scopes"), "scope", s.identity.scopes);
    grant(at(servicePath(s), "identity", "roles"), "role", s.identity.roles);
  }
  const usernames = new Set<string>();
  (mesh.identity?.users ?? []).forEach((u, i) => {
    const path = at("identity", "users", i);
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(u.username) || u.username.startsWith("service-account-")) {
      issues.add(
        at(path, "username"),
        `username "${u.username}" is not accepted`,
        "use lowercase letters, digits, '.', '_' and '-', not starting with 'service-account-'",
      );
    }
    if (usernames.has(u.username)) issues.add(at(path, "username"), `user "${u.username}" is defined twice`, "define each user once");
    usernames.add(u.username);
    grant(at(path, "scopes"), "scope", u.scopes);
    grant(at(path, "roles"), "role", u.roles);
  });
};
