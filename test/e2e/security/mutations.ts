/**
 * Each defence of the mesh, turned off in a compiled plan, with the cells of the security
 * matrix that must turn red when it is off. `MESHWRIGHT_SECURITY_MUTATION=<name>` runs the
 * security e2e on the mutated plan and passes only if those cells went red (SECURITY.md has
 * the table of every run). A mutation that turns no cell red means the cells do not test it.
 */
import { createHash } from "node:crypto";
import { AMBIGUOUS_PATH, consulForm, SECRET, type ConfigEntry, type ContainerSpec, type MeshPlan } from "../../../sdk";
import { shadowIssuer } from "./shadow-realm";

export interface Mutation {
  readonly name: string;
  /** The defence it turns off. */
  readonly defence: string;
  /** Cells that must turn red. */
  readonly turnsRed: readonly string[];
  /** The plan without the defence. */
  readonly apply?: (plan: MeshPlan) => MeshPlan;
  /** Secret values to start the mesh with instead of random ones. */
  readonly secrets?: (plan: MeshPlan) => Record<string, string>;
}

type Entry = ConfigEntry & Record<string, unknown>;
type Json = Record<string, unknown>;

function clone(plan: MeshPlan): MeshPlan {
  return JSON.parse(JSON.stringify(plan)) as MeshPlan;
}

function agentFiles(plan: MeshPlan): { container: ContainerSpec; file: ContainerSpec["files"][number] }[] {
  return plan.containers.flatMap((c) => c.files.filter((f) => /\/consul\/config\/(server|agent)\.json$/.test(f.path)).map((file) => ({ container: c, file })));
}

/** Every Consul agent's config file (server and clients), edited in place. */
export function editAgents(plan: MeshPlan, edit: (config: Json) => void): MeshPlan {
  const copy = clone(plan);
  for (const { file } of agentFiles(copy)) {
    const config = JSON.parse(file.content) as Json;
    edit(config);
    (file as { content: string }).content = `${JSON.stringify(config, null, 2)}\n`;
  }
  edit(copy.consul.serverConfig);
  return copy;
}

/** The config entries, edited in the plan and in the server's bootstrap (what the harness writes). */
function editEntries(plan: MeshPlan, edit: (entry: Entry) => Entry): MeshPlan {
  const copy = clone(plan);
  const entries = copy.consul.configEntries.map((e) => edit(e as Entry));
  (copy.consul as unknown as { configEntries: ConfigEntry[] }).configEntries = entries;
  return editAgents(copy, (config) => {
    if (config["server"] === true) config["config_entries"] = { bootstrap: entries.map(consulForm) };
  });
}

/** The Keycloak realm, edited in the plan and in the import file. */
function editRealm(plan: MeshPlan, edit: (realm: Json) => void): MeshPlan {
  const copy = clone(plan);
  edit(copy.keycloak!.realm);
  const file = copy.containers.find((c) => c.role === "keycloak")!.files.find((f) => f.path.endsWith(`/${copy.keycloak!.realmName}-realm.json`))!;
  const realm = JSON.parse(file.content) as Json;
  edit(realm);
  (file as { content: string }).content = `${JSON.stringify(realm, null, 2)}\n`;
  return copy;
}

function editSources(plan: MeshPlan, edit: (destination: string, source: Json) => Json): MeshPlan {
  return editEntries(plan, (e) => (e.Kind === "service-intentions" ? { ...e, Sources: (e["Sources"] as Json[]).map((s) => edit(e.Name, s)) } : e));
}

function editPermissions(plan: MeshPlan, edit: (permissions: Json[]) => Json[]): MeshPlan {
  return editSources(plan, (_, s) => (Array.isArray(s["Permissions"]) ? { ...s, Permissions: edit(s["Permissions"] as Json[]) } : s));
}

function editPathRegexes(plan: MeshPlan, edit: (regex: string) => string): MeshPlan {
  return editPermissions(plan, (ps) =>
    ps.map((p) => {
      const http = p["HTTP"] as Json | undefined;
      return http && typeof http["PathRegex"] === "string" ? { ...p, HTTP: { ...http, PathRegex: edit(http["PathRegex"]) } } : p;
    }),
  );
}

function proxyDefaults(plan: MeshPlan, edit: (e: Entry) => Entry): MeshPlan {
  return editEntries(plan, (e) => (e.Kind === "proxy-defaults" ? edit(e) : e));
}

function luaScript(plan: MeshPlan, edit: (script: string) => string): MeshPlan {
  return proxyDefaults(plan, (e) => ({
    ...e,
    EnvoyExtensions: (e["EnvoyExtensions"] as { Name: string; Arguments: Json }[]).map((x) =>
      x.Name === "builtin/lua" ? { ...x, Arguments: { ...x.Arguments, Script: edit(x.Arguments["Script"] as string) } } : x,
    ),
  }));
}

function withoutRequestHeaders(e: Entry): Entry {
  if (e.Kind === "service-router")
    return {
      ...e,
      Routes: (e["Routes"] as { Destination: Json }[]).map((r) => ({
        ...r,
        Destination: Object.fromEntries(Object.entries(r.Destination).filter(([k]) => k !== "RequestHeaders")),
      })),
    };
  if (e.Kind === "ingress-gateway")
    return {
      ...e,
      Listeners: (e["Listeners"] as { Services: Json[] }[]).map((l) => ({
        ...l,
        Services: l.Services.map((s) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== "RequestHeaders"))),
      })),
    };
  return e;
}

/** The Keycloak admin password the way meshwright derived it before secrets were random. */
export function derivedAdminPassword(mesh: string): string {
  return createHash("sha256").update(`meshwright\0${mesh}\0\0keycloak-admin`).digest("hex").slice(0, 32);
}

/** The overlong/surrogate alternatives the path guard gained; without them it is the guard as it was. */
const OVERLONG = "|[Ee]0%[89][0-9A-Fa-f]|[Ee][Dd]%[AaBb][0-9A-Fa-f]|[Ff]0%8[0-9A-Fa-f]|[Ff]4%[9AaBb][0-9A-Fa-f]";

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "acl-default-allow",
    defence: "Consul ACLs default deny (every agent: `acl.default_policy`)",
    apply: (p) => editAgents(p, (c) => ((c["acl"] as Json)["default_policy"] = "allow")),
    turnsRed: [
      "app.kv-read",
      "app.catalog-read",
      "app.register-other",
      "outsider.consul-kv-read",
      "outsider.consul-kv-write",
      "outsider.consul-intention-write",
    ],
  },
  {
    name: "leaf-endpoint-open",
    defence: "every agent blocks /v1/agent/connect/ca/leaf (added by this branch)",
    apply: (p) => editAgents(p, (c) => delete c["http_config"]),
    turnsRed: ["app.leaf-own", "outsider.consul-leaf-gateway"],
  },
  {
    name: "gossip-unencrypted",
    defence: "gossip encryption with verify incoming/outgoing (every agent: `encrypt`)",
    apply: (p) =>
      editAgents(p, (c) => {
        delete c["encrypt"];
        delete c["encrypt_verify_incoming"];
        delete c["encrypt_verify_outgoing"];
      }),
    turnsRed: ["outsider.rogue-agent-no-key"],
  },
  {
    name: "path-guard-removed",
    defence: "the ambiguous-path guard ahead of every L7 source (AMBIGUOUS_PATH)",
    apply: (p) => editPermissions(p, (ps) => ps.filter((x) => (x["HTTP"] as Json | undefined)?.["PathRegex"] !== AMBIGUOUS_PATH)),
    turnsRed: [
      "deny.encoded-letter",
      "deny.double-encoded",
      "deny.semicolon",
      "deny.nul",
      "deny.dot-segment",
      "deny.encoded-slash",
      "allow.dot-dot",
      "allow.encoded-dot-dot",
      "ingress.dot-dot",
    ],
  },
  {
    name: "guard-without-overlong-utf8",
    defence: "the guard's overlong three-byte UTF-8 forms (added by this branch)",
    apply: (p) => editPathRegexes(p, (r) => (r === AMBIGUOUS_PATH ? r.replace(OVERLONG, "") : r)),
    turnsRed: ["deny.overlong-3-byte"],
  },
  {
    name: "deny-case-sensitive",
    defence: "deny rules match without regard to case (`(?i)`)",
    apply: (p) => editPathRegexes(p, (r) => r.replace(/^\(\?i\)/, "")),
    turnsRed: ["deny.upper-case", "deny.prefix-mixed-case"],
  },
  {
    name: "deny-exact-without-trailing-slash",
    defence: "a denied exact path is denied with trailing slashes (added by this branch)",
    apply: (p) => editPathRegexes(p, (r) => r.replace(/^(\(\?i\).*)\/\*$/, "$1")),
    turnsRed: ["deny.trailing-slash"],
  },
  {
    name: "sanitize-xfcc-off",
    defence: "the mesh entry's SanitizeXForwardedClientCert",
    apply: (p) => editEntries(p, (e) => (e.Kind === "mesh" ? { ...e, HTTP: { SanitizeXForwardedClientCert: false } } : e)),
    turnsRed: ["direct.forged-xfcc"],
  },
  {
    name: "audience-unchecked",
    defence: "per-destination JWT providers with `Audiences`",
    apply: (p) => editEntries(p, (e) => (e.Kind === "jwt-provider" ? (Object.fromEntries(Object.entries(e).filter(([k]) => k !== "Audiences")) as Entry) : e)),
    turnsRed: ["token.other-audience"],
  },
  {
    name: "azp-unchecked",
    defence: "the `azp` claim check binding a token to its calling service",
    apply: (p) =>
      editPermissions(p, (ps) =>
        ps.map((x) => {
          const jwt = x["JWT"] as { Providers: { Name: string; VerifyClaims: { Path: string[] }[] }[] } | undefined;
          return jwt
            ? { ...x, JWT: { Providers: jwt.Providers.map((pr) => ({ ...pr, VerifyClaims: pr.VerifyClaims.filter((v) => v.Path[0] !== "azp") })) } }
            : x;
        }),
      ),
    turnsRed: ["token.other-client", "token.human-on-service-rule"],
  },
  {
    name: "jwt-trusts-another-realm",
    defence: "the JWT provider names the mesh realm's issuer and keys",
    apply: (p) =>
      editEntries(p, (e) =>
        e.Kind === "jwt-provider"
          ? {
              ...e,
              Issuer: shadowIssuer(p),
              JSONWebKeySet: { Remote: { ...(e["JSONWebKeySet"] as { Remote: Json }).Remote, URI: `${shadowIssuer(p)}/protocol/openid-connect/certs` } },
            }
          : e,
      ),
    turnsRed: ["token.other-realm"],
  },
  {
    name: "scopes-offered-to-everyone",
    defence: "role-gated client scopes: a scope reaches only the clients and users the SDK grants it",
    apply: (p) =>
      editRealm(p, (realm) => {
        delete realm["scopeMappings"];
        const scopes = (realm["clientScopes"] as { name: string }[]).map((s) => s.name);
        for (const c of realm["clients"] as Json[]) c["optionalClientScopes"] = [...new Set([...((c["optionalClientScopes"] as string[]) ?? []), ...scopes])];
      }),
    turnsRed: ["token.user-not-granted", "token.user-not-granted-claims", "token.client-not-granted"],
  },
  {
    name: "router-header-stripping-off",
    defence: "untrusted request headers removed on every route and at the ingress",
    apply: (p) => editEntries(p, withoutRequestHeaders),
    turnsRed: ["forged.via-ingress"],
  },
  {
    name: "inbound-header-stripping-off",
    defence: "untrusted request headers removed on every sidecar's inbound side (added by this branch)",
    apply: (p) => luaScript(p, (s) => s.replace(/function envoy_on_request[\s\S]*?\nend\n/, "")),
    turnsRed: ["direct.forged-proxy-headers"],
  },
  {
    name: "all-header-stripping-off",
    defence: "both layers of header stripping",
    apply: (p) => luaScript(editEntries(p, withoutRequestHeaders), (s) => s.replace(/function envoy_on_request[\s\S]*?\nend\n/, "")),
    turnsRed: ["forged.via-sidecar", "forged.via-ingress", "direct.forged-proxy-headers"],
  },
  {
    name: "ingress-xff-from-header",
    defence: "the ingress sets x-forwarded-for from the TCP peer (fixed by this branch)",
    apply: (p) =>
      editEntries(p, (e) =>
        e.Kind === "ingress-gateway"
          ? (JSON.parse(JSON.stringify(e).replaceAll("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%")) as Entry)
          : e,
      ),
    turnsRed: ["forged.via-ingress"],
  },
  {
    name: "access-log-consul-default",
    defence: "the access log format: the matched path and the TCP peer",
    apply: (p) => proxyDefaults(p, (e) => ({ ...e, AccessLogs: { Enabled: true, Type: "stdout" } })),
    turnsRed: ["log.denied-direct-call", "log.ingress"],
  },
  {
    name: "ingress-any-path",
    defence: "ingress intentions only on the routes' path prefixes (with the path guard)",
    apply: (p) => editSources(p, (destination, s) => (destination === "user-service" && s["Name"] === "web" ? { Name: "web", Action: "allow" } : s)),
    turnsRed: ["ingress.dot-dot"],
  },
  {
    name: "prometheus-lifecycle-on",
    defence: "Prometheus without --web.enable-lifecycle",
    apply: (p) => {
      const copy = clone(p);
      copy.containers.find((c) => c.role === "prometheus")!.command.push("--web.enable-lifecycle");
      return copy;
    },
    turnsRed: ["outsider.prometheus-reload", "outsider.prometheus-quit"],
  },
  {
    name: "instance-token-service-identity",
    defence: "instance tokens limited to their upstreams (Consul's service identity reads every service; changed by this branch)",
    apply: (p) => {
      const copy = clone(p);
      for (const t of copy.consul.acl.tokens as unknown as { policies?: string[]; serviceIdentities?: { serviceName: string }[] }[]) {
        const service = t.policies?.find((x) => x.startsWith("service-"))?.slice("service-".length);
        if (!service) continue;
        delete t.policies;
        t.serviceIdentities = [{ serviceName: service }];
      }
      return copy;
    },
    turnsRed: ["stolen.catalog-other"],
  },
  {
    name: "app-listens-on-every-interface",
    defence: "apps listen on 127.0.0.1 only",
    apply: (p) => {
      const copy = clone(p);
      for (const c of copy.containers.filter((x) => x.role === "app" && x.service === "payment-service"))
        c.env["LISTEN_ADDR"] = c.env["LISTEN_ADDR"]!.replace("127.0.0.1", "0.0.0.0");
      return copy;
    },
    turnsRed: ["outsider.app-port"],
  },
  {
    name: "derived-admin-password",
    defence: "random secrets (the Keycloak admin password as it was derived from the mesh name)",
    secrets: (p) => ({ [SECRET.keycloakAdmin]: derivedAdminPassword(p.mesh.name) }),
    turnsRed: ["outsider.keycloak-derived-password"],
  },
];

/** The mutations named in `names` (comma-separated), or none. */
export function selectedMutations(names: string | undefined): Mutation[] {
  if (!names) return [];
  return names.split(",").map((n) => {
    const m = MUTATIONS.find((x) => x.name === n.trim());
    if (!m) throw new Error(`no mutation "${n}"; known: ${MUTATIONS.map((x) => x.name).join(", ")}`);
    return m;
  });
}
