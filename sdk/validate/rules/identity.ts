import { at } from "../issues";
import { definedRoles, definedScopes, servicePath, type Rule } from "../context";
import { isDnsSafe } from "../../model/names";
import { webAppLocations, webAppRoutes } from "../../model/web-apps";
import { TEST_CLIENT_ID } from "../../compile/keycloak/claims";

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

/**
 * Each web app is a distinct public client whose redirect URIs and web origins lie on the
 * ingress routes to its service, so Keycloak can send its users back (and refuses anything
 * else); checked here rather than found as Keycloak's "Invalid parameter: redirect_uri".
 */
export const webAppsAreValid: Rule = ({ mesh, serviceNames, ingresses, issues }) => {
  const scopes = definedScopes(mesh);
  const seen = new Set<string>();
  (mesh.identity?.webApps ?? []).forEach((app, i) => {
    const path = at("identity", "webApps", i);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(app.clientId))
      issues.add(at(path, "clientId"), `client id "${app.clientId}" is not accepted`, "use lowercase letters, digits and '-'");
    if (serviceNames.has(app.clientId) || app.clientId === TEST_CLIENT_ID)
      issues.add(
        at(path, "clientId"),
        `client id "${app.clientId}" is already taken by ${app.clientId === TEST_CLIENT_ID ? "the password-grant test client" : `service ${app.clientId}'s own client`}`,
        `name the web app's client differently, e.g. "${app.clientId}-web"`,
      );
    if (seen.has(app.clientId)) issues.add(at(path, "clientId"), `web app "${app.clientId}" is declared twice`, "declare each web app once");
    seen.add(app.clientId);
    (app.scopes ?? []).forEach((s, j) => {
      if (!scopes.has(s)) issues.add(at(path, "scopes", j), `scope "${s}" is never defined`, `add "${s}" to identity.scopes`);
    });
    if (!serviceNames.has(app.service)) {
      issues.add(at(path, "service"), `web app served by unknown service "${app.service}"`, "declare the service or fix the name");
      return;
    }
    const routes = webAppRoutes(ingresses, app.service);
    if (routes.length === 0) {
      issues.add(
        at(path, "service"),
        `no http ingress route with a host leads to service ${app.service}, so Keycloak has no address to send ${app.clientId}'s users back to`,
        `add a route { host: "${app.service}.example", service: "${app.service}" } to an http listener of an ingress`,
      );
      return;
    }
    (app.origins ?? []).forEach((o, j) => {
      const problem = originProblem(o, new Set(routes.map((r) => r.host)));
      if (problem)
        issues.add(at(path, "origins", j), `origin "${o}" ${problem}`, `use one of ${routes.map((r) => r.origin).join(", ")} (or https:// on the same host)`);
    });
    const locations = webAppLocations(routes, app.origins);
    (app.redirectUris ?? []).forEach((u, j) => {
      const bare = u.replace(/\*$/, "");
      if (!locations.some((l) => bare.startsWith(`${l.origin}${l.pathPrefix}`) || `${bare}/` === `${l.origin}${l.pathPrefix}`))
        issues.add(
          at(path, "redirectUris", j),
          `redirect URI "${u}" is not on a route to ${app.service}: Keycloak would send users where the app is not served`,
          `use a URI under ${[...new Set(locations.map((l) => `${l.origin}${l.pathPrefix}`))].join(" or ")}`,
        );
    });
  });
};

/** What is wrong with a declared web origin, if anything. */
function originProblem(origin: string, hosts: ReadonlySet<string>): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not a URL";
  }
  if (!["http:", "https:"].includes(url.protocol)) return "is not http(s)";
  if (url.pathname !== "/" || url.search || url.hash || origin.replace(/\/$/, "") !== url.origin) return "is not a bare origin (scheme, host and port only)";
  if (!hosts.has(url.hostname)) return `is not the host of a route to the app (${[...hosts].join(", ")})`;
  return undefined;
}
