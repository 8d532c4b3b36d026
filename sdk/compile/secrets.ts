import type { PlanSecret } from "../plan";
import type { ResolvedMesh } from "./resolve";

/**
 * Names of every secret a mesh uses, in one place so a reader can audit them. Values never
 * enter the plan: realizers generate them (random, once per stack or per harness run) or are
 * given them, and substitute the `{{secret:…}}` references.
 */
export const SECRET = {
  /** Consul's initial management token (`acl.tokens.initial_management`). */
  consulManagement: "consul/management-token",
  /** Gossip encryption key shared by every agent. */
  gossipKey: "consul/gossip-key",
  /** CA of Consul's RPC, HTTPS and gRPC TLS (not the Connect CA, which Consul runs itself). */
  consulCa: "consul/ca",
  /** The server's TLS certificate (`server.<dc>.consul`, `consul`). */
  consulServerTls: "consul/server-tls",
  /** Agent token of the server's own node. */
  serverAgentToken: "consul/token/agent-consul",
  /** Agent token of an instance's node (node identity). */
  nodeToken: (instance: string) => `consul/token/node-${instance}`,
  /** Token of an instance's registration and sidecar (service identity). */
  serviceToken: (instance: string) => `consul/token/service-${instance}`,
  /** Token of an ingress gateway. */
  gatewayToken: (gateway: string) => `consul/token/gateway-${gateway}`,
  /** Prometheus' token: read the catalog for discovery and the server's metrics. */
  prometheusToken: "consul/token/prometheus",
  /** Keycloak's bootstrap admin password (master realm). */
  keycloakAdmin: "keycloak/admin-password",
  /** Password of Keycloak's role in its PostgreSQL database. */
  postgresPassword: "postgres/keycloak-password",
  /** A service's OAuth client secret. */
  clientSecret: (service: string) => `keycloak/client/${service}`,
  /** An end user's password. */
  userPassword: (username: string) => `keycloak/user/${username}`,
  /** A user's own secret, named in an app's `secretEnv`. */
  app: (name: string) => `app/${name}`,
} as const;

/** Every secret the mesh references, sorted by name. */
export function meshSecrets(mesh: ResolvedMesh): PlanSecret[] {
  const dc = mesh.datacenter;
  const list: PlanSecret[] = [
    { name: SECRET.consulManagement, purpose: "Consul management token (full control of the mesh)", generate: { kind: "uuid" } },
    { name: SECRET.gossipKey, purpose: "Consul gossip encryption key", generate: { kind: "gossip-key" } },
    { name: SECRET.consulCa, purpose: "CA of Consul's RPC, HTTPS and gRPC TLS", generate: { kind: "tls-ca", commonName: `meshwright ${mesh.name} Consul CA` } },
    {
      name: SECRET.consulServerTls,
      purpose: "Consul server TLS certificate",
      generate: {
        kind: "tls-cert",
        ca: SECRET.consulCa,
        commonName: `server.${dc}.consul`,
        dnsNames: [`server.${dc}.consul`, ...mesh.consulServers, "localhost"],
        ipAddresses: ["127.0.0.1"],
      },
    },
    { name: SECRET.serverAgentToken, purpose: "agent token of the Consul servers' nodes", generate: { kind: "uuid" } },
    { name: SECRET.prometheusToken, purpose: "Prometheus' Consul token (catalog and metrics read)", generate: { kind: "uuid" } },
  ];
  const appSecrets = new Set<string>();
  for (const s of mesh.services) {
    for (const i of s.instances) {
      list.push({ name: SECRET.nodeToken(i.id), purpose: `agent token of node ${i.id}`, generate: { kind: "uuid" } });
      list.push({ name: SECRET.serviceToken(i.id), purpose: `service token of ${i.id} (registration and sidecar)`, generate: { kind: "uuid" } });
    }
    for (const [env, ref] of Object.entries(s.app?.secretEnv ?? {})) {
      const name = SECRET.app(ref.secret);
      if (appSecrets.has(name)) continue;
      appSecrets.add(name);
      list.push({
        name,
        purpose: `app secret "${ref.secret}" (${s.name} ${env})`,
        generate: ref.source === "supplied" ? { kind: "supplied" } : { kind: "password" },
      });
    }
  }
  for (const g of mesh.ingresses) list.push({ name: SECRET.gatewayToken(g.name), purpose: `token of ingress gateway ${g.name}`, generate: { kind: "uuid" } });
  if (mesh.identity) {
    list.push({ name: SECRET.keycloakAdmin, purpose: "Keycloak admin password (master realm)", generate: { kind: "password" } });
    if (mesh.identity.database === "postgres")
      list.push({ name: SECRET.postgresPassword, purpose: "password of Keycloak's role in PostgreSQL", generate: { kind: "password" } });
    for (const s of mesh.services)
      list.push({ name: SECRET.clientSecret(s.name), purpose: `OAuth client secret of ${s.name}`, generate: { kind: "password" } });
    for (const u of mesh.identity.users)
      list.push({ name: SECRET.userPassword(u.username), purpose: `password of user ${u.username}`, generate: { kind: "password" } });
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
