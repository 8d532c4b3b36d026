import { MeshInvariantError, MeshValidationError } from "../errors";
import { Mesh } from "../model/mesh";
import type { MeshSpec } from "../model/spec";
import type { MeshPlan, PlannedService } from "../plan";
import { validate } from "../validate";
import { configEntries } from "./consul";
import { ingressGateway } from "./consul/ingress-gateway";
import { registration } from "./consul/registration";
import { serverConfig } from "./consul/server";
import { containers } from "./containers";
import { ROLE_CLAIM_PREFIX, SCOPE_CLAIM_PREFIX } from "./keycloak/claims";
import { realmImport } from "./keycloak/realm";
import { prometheusConfig } from "./prometheus";
import { resolve } from "./resolve";
import { ZIPKIN_PORT } from "./consul/proxy-defaults";

/** The `MeshPlan` format this compiler writes. */
export const PLAN_VERSION = 1;

/**
 * Validate the mesh and compile it into a {@link MeshPlan}. Pure and deterministic: the same
 * mesh gives byte-identical `JSON.stringify` output.
 *
 * @throws MeshValidationError listing every problem, when the mesh is invalid
 */
export function compile(input: Mesh | MeshSpec): MeshPlan {
  const spec = input instanceof Mesh ? input.toSpec() : input;
  const issues = validate(spec);
  if (issues.length) throw new MeshValidationError(issues);
  try {
    return assemble(spec);
  } catch (error) {
    if (error instanceof MeshInvariantError) throw error;
    throw new MeshInvariantError(`compiling a valid mesh failed: ${String(error)}`, { cause: error });
  }
}

function assemble(spec: MeshSpec): MeshPlan {
  const mesh = resolve(spec);
  const identity = mesh.identity;
  const realm = identity ? realmImport(mesh, identity) : undefined;
  const clientSecrets = new Map((realm?.clients ?? []).flatMap((c) => (c.service && c.secret ? [[c.service, c.secret] as const] : [])));
  const entries = configEntries(mesh);
  // Consul's own declarative mechanism: the server writes these when it first gains
  // leadership, before any agent or sidecar can ask for them, so realizers need no API calls
  // and some settings Envoy reads only at bootstrap are there in time.
  const server = { ...serverConfig(mesh), config_entries: { bootstrap: entries } };
  const prometheus = mesh.telemetry.metrics ? prometheusConfig(mesh) : undefined;
  const containerList = containers(mesh, {
    serverConfig: server,
    ...(realm && identity ? { realm: { json: realm.realm, fileName: `${identity.realm}-realm.json` }, adminPassword: identity.adminPassword } : {}),
    clientSecrets,
    ...(prometheus ? { prometheus } : {}),
  });
  const services: PlannedService[] = mesh.services.map((s) => ({
    name: s.name,
    port: s.port,
    protocol: s.protocol,
    instances: s.instances.map((i) => ({
      id: i.id,
      node: i.id,
      app: `${i.id}-app`,
      sidecar: `${i.id}-sidecar`,
      weight: i.weight,
      tags: i.tags,
      subset: i.subset,
      version: i.version,
      meta: i.meta,
      registration: registration(mesh, s, i),
    })),
    upstreams: s.upstreams.map((u) => ({ service: u.service, localPort: u.localPort })),
    subsets: s.subsets,
    ...(identity ? { clientId: s.name } : {}),
  }));
  const plan: MeshPlan = {
    version: PLAN_VERSION,
    mesh: { name: mesh.name, datacenter: mesh.datacenter },
    images: {
      consul: mesh.images.consul,
      sidecar: mesh.images.sidecar,
      keycloak: mesh.images.keycloak,
      prometheus: mesh.images.prometheus,
      workload: mesh.images.workload,
      ...(mesh.telemetry.samplePercent !== undefined ? { zipkin: mesh.images.zipkin } : {}),
    },
    network: { name: mesh.network },
    consul: {
      server: { container: "consul", httpPort: 8500, grpcPort: 8502 },
      serverConfig: server,
      url: "http://consul:8500",
      configEntries: entries,
    },
    services,
    ingresses: mesh.ingresses.map((g) => ({ name: g.name, container: g.name, listeners: ingressGateway(g).hosts })),
    ...(identity && realm
      ? {
          keycloak: {
            realm: realm.realm,
            realmName: identity.realm,
            url: identity.url,
            issuer: identity.issuer,
            tokenUrl: `${identity.issuer}/protocol/openid-connect/token`,
            jwksUrl: `${identity.issuer}/protocol/openid-connect/certs`,
            admin: { username: "admin", password: identity.adminPassword },
            clients: realm.clients,
            users: identity.users.map((u) => ({ username: u.username, password: u.password })),
            claims: { scopePrefix: [...SCOPE_CLAIM_PREFIX], rolePrefix: [...ROLE_CLAIM_PREFIX] },
          },
        }
      : {}),
    ...(prometheus ? { prometheus: { config: prometheus, url: "http://prometheus:9090" } } : {}),
    ...(mesh.telemetry.samplePercent !== undefined ? { zipkin: { url: `http://zipkin:${ZIPKIN_PORT}`, sampleRate: mesh.telemetry.samplePercent / 100 } } : {}),
    containers: containerList,
    secrets: [],
  };
  const plain = JSON.parse(JSON.stringify(plan)) as MeshPlan;
  return { ...plain, secrets: secretPointers(plain) };
}

/** JSON Pointers of every secret value; see `MeshPlan.secrets`. */
function secretPointers(plan: MeshPlan): string[] {
  const pointers: string[] = [];
  const kc = plan.keycloak;
  if (kc) {
    pointers.push("/keycloak/admin/password");
    kc.clients.forEach((c, i) => c.secret && pointers.push(`/keycloak/clients/${i}/secret`));
    kc.users.forEach((_, i) => pointers.push(`/keycloak/users/${i}/password`));
    const realm = kc.realm as { clients?: { secret?: string }[]; users?: { credentials?: unknown[] }[] };
    (realm.clients ?? []).forEach((c, i) => c.secret && pointers.push(`/keycloak/realm/clients/${i}/secret`));
    (realm.users ?? []).forEach((u, i) => u.credentials && pointers.push(`/keycloak/realm/users/${i}/credentials/0/value`));
  }
  plan.containers.forEach((c, i) => {
    for (const key of ["KC_BOOTSTRAP_ADMIN_PASSWORD", "OAUTH_CLIENT_SECRET"]) if (key in c.env) pointers.push(`/containers/${i}/env/${key}`);
    if (c.role === "keycloak") c.files.forEach((_, j) => pointers.push(`/containers/${i}/files/${j}/content`));
  });
  return pointers;
}
