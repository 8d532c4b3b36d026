import { MeshInvariantError, MeshValidationError } from "../errors";
import { Mesh } from "../model/mesh";
import type { MeshSpec } from "../model/spec";
import { secretRefsIn, type MeshPlan, type PlannedBuild, type PlannedService } from "../plan";
import { validate } from "../validate";
import { meshWarnings } from "../validate/warnings";
import { buildRepository, plannedApp, WORKLOAD_ADMIN_PORT } from "./app";
import { configEntries, consulForm } from "./consul";
import { aclPlan } from "./consul/acl";
import { ingressGateway } from "./consul/ingress-gateway";
import { ZIPKIN_PORT } from "./consul/proxy-defaults";
import { AGENT_HTTP_PORT, ENVOY_ADMIN_PORT, registration, SIDECAR_PORT } from "./consul/registration";
import { CONSUL_PORTS, serverConfig } from "./consul/server";
import { containers, keycloakImage } from "./containers";
import { ROLE_CLAIM_PREFIX, SCOPE_CLAIM_PREFIX } from "./keycloak/claims";
import { realmImport } from "./keycloak/realm";
import { prometheusConfig } from "./prometheus";
import { resolve, type ResolvedMesh } from "./resolve";
import { chainTargets, targetInstances } from "./chain";
import { meshSecrets, SECRET } from "./secrets";

/** The `MeshPlan` format this compiler writes. */
export const PLAN_VERSION = 2;

/**
 * Validate the mesh and compile it into a {@link MeshPlan}. Pure and deterministic: the same
 * mesh gives byte-identical `JSON.stringify` output. The plan holds no secret value.
 *
 * @throws MeshValidationError listing every problem, when the mesh is invalid
 */
export function compile(input: Mesh | MeshSpec): MeshPlan {
  const spec = input instanceof Mesh ? input.toSpec() : input;
  const issues = validate(spec);
  if (issues.length) throw new MeshValidationError(issues);
  let plan: MeshPlan;
  try {
    plan = assemble(spec);
  } catch (error) {
    if (error instanceof MeshInvariantError) throw error;
    throw new MeshInvariantError(`compiling a valid mesh failed: ${String(error)}`, { cause: error });
  }
  assertSecretsDeclared(plan);
  return plan;
}

/**
 * The plan, built from fresh objects only: it shares nothing with the spec (a unit test
 * checks), so it needs no deep copy. Parts of it may share objects with each other (the
 * server's bootstrap entries are the plan's config entries), which JSON does not see.
 */
function assemble(spec: MeshSpec): MeshPlan {
  const mesh = resolve(spec);
  const identity = mesh.identity;
  const realm = identity ? realmImport(mesh, identity) : undefined;
  const entries = configEntries(mesh);
  // Consul's own declarative mechanism: the server writes these when it first gains
  // leadership, before any agent or sidecar can ask for them, so settings Envoy reads only at
  // bootstrap exist in time. Realizers that reconcile write them again through the API.
  const server = { ...serverConfig(mesh), config_entries: { bootstrap: entries.map(consulForm) } };
  const prometheus = mesh.telemetry.metrics ? prometheusConfig(mesh) : undefined;
  const containerList = containers(mesh, {
    serverConfig: server,
    ...(realm && identity ? { realm: { json: realm.realm, fileName: `${identity.realm}-realm.json` } } : {}),
    ...(prometheus ? { prometheus } : {}),
  });
  const plan: MeshPlan = {
    version: PLAN_VERSION,
    mesh: { name: mesh.name, datacenter: mesh.datacenter },
    images: {
      consul: mesh.images.consul,
      sidecar: mesh.images.sidecar,
      keycloak: keycloakImage(mesh),
      ...(mesh.identity?.database === "postgres" ? { postgres: mesh.images.postgres } : {}),
      prometheus: mesh.images.prometheus,
      workload: mesh.images.workload,
      ...(mesh.telemetry.samplePercent !== undefined ? { zipkin: mesh.images.zipkin } : {}),
    },
    network: { name: mesh.network },
    consul: {
      server: { container: mesh.consulServers[0]!, httpPort: CONSUL_PORTS.http, grpcPort: CONSUL_PORTS.grpcTls },
      servers: mesh.consulServers.map((container) => ({ container, httpPort: CONSUL_PORTS.http, grpcPort: CONSUL_PORTS.grpcTls })),
      serverConfig: server,
      url: `http://consul:${CONSUL_PORTS.http}`,
      httpsUrl: `https://consul:${CONSUL_PORTS.https}`,
      configEntries: entries,
      acl: aclPlan(mesh),
    },
    services: plannedServices(mesh),
    ingresses: mesh.ingresses.map((g) => ({ name: g.name, container: g.name, listeners: ingressGateway(mesh, g).hosts, adminPort: ENVOY_ADMIN_PORT })),
    ...(identity && realm
      ? {
          keycloak: {
            realm: realm.realm,
            realmName: identity.realm,
            url: identity.url,
            port: portOf(identity.url),
            issuer: identity.issuer,
            tokenUrl: `${identity.issuer}/protocol/openid-connect/token`,
            jwksUrl: `${identity.issuer}/protocol/openid-connect/certs`,
            admin: { username: "admin", passwordSecret: SECRET.keycloakAdmin },
            clients: realm.clients,
            users: identity.users.map((u) => ({ username: u.username, passwordSecret: SECRET.userPassword(u.username) })),
            claims: { scopePrefix: [...SCOPE_CLAIM_PREFIX], rolePrefix: [...ROLE_CLAIM_PREFIX] },
          },
        }
      : {}),
    ...(prometheus ? { prometheus: { config: prometheus, url: "http://prometheus:9090" } } : {}),
    ...(mesh.telemetry.samplePercent !== undefined ? { zipkin: { url: `http://zipkin:${ZIPKIN_PORT}`, sampleRate: mesh.telemetry.samplePercent / 100 } } : {}),
    builds: plannedBuilds(mesh),
    containers: containerList,
    secrets: meshSecrets(mesh),
    warnings: meshWarnings(spec, mesh),
  };
  return plan;
}

function plannedServices(mesh: ResolvedMesh): PlannedService[] {
  return mesh.services.map((s) => ({
    name: s.name,
    port: s.port,
    protocol: s.protocol,
    instances: s.instances.map((i) => ({
      id: i.id,
      node: i.id,
      app: `${i.id}-app`,
      sidecar: `${i.id}-sidecar`,
      probe: `${i.id}-probe`,
      weight: i.weight,
      tags: i.tags,
      subset: i.subset,
      version: i.version,
      meta: i.meta,
      registration: registration(mesh, s, i),
      ports: {
        app: s.port,
        envoyAdmin: ENVOY_ADMIN_PORT,
        sidecarPublic: SIDECAR_PORT,
        agentHttp: AGENT_HTTP_PORT,
        ...(s.app ? {} : { workloadAdmin: WORKLOAD_ADMIN_PORT }),
      },
    })),
    upstreams: s.upstreams.map((u) => ({ service: u.service, localPort: u.localPort })),
    subsets: s.subsets,
    primaryInstances: s.primaryInstances,
    chain: chainTargets(mesh, s).map((t) => ({ ...t, instances: targetInstances(mesh.byName.get(t.service)!, t.subset) })),
    ...(mesh.identity ? { clientId: s.name } : {}),
    app: plannedApp(mesh, s),
  }));
}

function plannedBuilds(mesh: ResolvedMesh): PlannedBuild[] {
  return mesh.services.flatMap((s) => {
    const b = s.app?.build;
    if (!b) return [];
    return [
      {
        name: s.name,
        context: b.context,
        dockerfile: b.dockerfile ?? "Dockerfile",
        args: { ...b.args },
        ...(b.target !== undefined ? { target: b.target } : {}),
        repository: buildRepository(mesh, s),
      },
    ];
  });
}

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === "https:" ? 443 : 80));
}

/**
 * Every secret reference a realizer resolves (in container env and files, and in config
 * entries) names a declared secret (a compiler bug otherwise). The plan's other documents are
 * views of these: the server config and the realm are file contents too.
 */
function assertSecretsDeclared(plan: MeshPlan): void {
  const declared = new Set(plan.secrets.map((s) => s.name));
  const tls = new Set(plan.secrets.filter((s) => s.generate.kind === "tls-ca" || s.generate.kind === "tls-cert").map((s) => s.name));
  for (const key of referencedSecrets(plan)) {
    const [name, part] = key.split("#") as [string, string | undefined];
    if (!declared.has(name) || (part !== undefined) !== tls.has(name))
      throw new MeshInvariantError(`the plan references secret ${key}, which it does not declare as such`);
  }
}

/** Every secret value key (`NAME` or `NAME#part`) the containers and config entries reference. */
function referencedSecrets(plan: MeshPlan): Set<string> {
  const refs = new Set<string>();
  for (const c of plan.containers) {
    addSecretRefs(refs, c.env);
    for (const f of c.files) addSecretRefs(refs, f.content);
  }
  addSecretRefs(refs, plan.consul.configEntries);
  return refs;
}

/** Adds the secret references in the strings (keys and values) of plain data to `refs`. */
function addSecretRefs(refs: Set<string>, value: unknown): void {
  if (typeof value === "string") {
    if (value.includes("{{secret:")) for (const ref of secretRefsIn(value)) refs.add(ref);
  } else if (Array.isArray(value)) {
    for (const item of value) addSecretRefs(refs, item);
  } else if (value !== null && typeof value === "object") {
    for (const key in value) {
      addSecretRefs(refs, key);
      addSecretRefs(refs, (value as Record<string, unknown>)[key]);
    }
  }
}
