/**
 * The security matrix: every attack the trust model (SECURITY.md) says must fail, tried on
 * real containers, from where an attacker would be: an app's own network namespace, a container
 * on the mesh network that is not in the mesh, a client of the ingress, a holder of the wrong
 * token. Each cell names what must come back, precisely (`403 key:read` is Consul's ACL,
 * `403 RBAC` a sidecar's intentions, `refused` nothing listening); any cell that differs fails
 * the test and prints the whole table. Controls (a valid call that must succeed) sit next to
 * the refusals so a cell cannot pass because nothing works.
 *
 * `MESHWRIGHT_SECURITY_MUTATION=<name>[,<name>]` runs it on a plan with defences turned off
 * (security/mutations.ts) and passes only if the cells each defence guards turned red.
 */
import type { StartedTestContainer } from "testcontainers";
import { containerLogs } from "../../harness/docker/container-logs";
import { accessLog, type AccessLogEntry } from "../../harness/probes/access-log";
import { eventually } from "../../harness/probes/eventually";
import { decodeJwt } from "../../harness/probes/forged-tokens";
import { formatSecurityMatrix, securityMismatches, type SecurityCell } from "../../harness/probes/security-matrix";
import { consulRequest } from "../../harness/realize/consul-acl";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile, SECRET, type MeshPlan } from "../../sdk";
import { generateSecretValues } from "../../sdk/secrets/generate";
import {
  consulOutcome,
  FORGED,
  forgedSeen,
  get,
  lanAddress,
  membership,
  meshOutcome,
  networkGateway,
  rawHttp,
  startOutsider,
  startRogueAgent,
  tcpAttempt,
  tlsAttempt,
  tlsRequest,
} from "./security/attackers";
import bastion from "./security/mesh";
import { derivedAdminPassword, selectedMutations } from "./security/mutations";
import { leafFor, withTestConnectCa } from "./security/connect-ca";
import { SHADOW_CLIENT, SHADOW_REALM, withShadowRealm } from "./security/shadow-realm";

const mutations = selectedMutations(process.env["MESHWRIGHT_SECURITY_MUTATION"]);
const { plan: basePlan, ca: connectCa } = withTestConnectCa(withShadowRealm(compile(bastion)));
const plan: MeshPlan = mutations.reduce((p, m) => (m.apply ? m.apply(p) : p), basePlan);
/** The expiry cells wait 70 s for Envoy's clock skew; mutation runs leave them out. */
const measureExpiry = mutations.length === 0;

const KV_SECRET = "payment-service/db-password";
const PAY = { method: "POST" } as const;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`security matrix on real containers${mutations.length ? ` (mutated: ${mutations.map((m) => m.name).join(", ")})` : ""}`, () => {
  let mesh: StartedMesh | undefined;

  beforeAll(async () => {
    const secrets = Object.assign({}, ...mutations.map((m) => m.secrets?.(plan) ?? {})) as Record<string, string>;
    // A mutation that turns off ACLs or gossip encryption needs the loud opt-in: startMesh
    // refuses a plan that trusts its containers otherwise (checked in its own cell below).
    mesh = await startMesh(plan, { secrets, unsafeAllowInsecurePlan: mutations.length > 0 });
    await waitConverged(mesh);
    const put = await consulRequest(mesh.consul.api(), "PUT", `/v1/kv/${KV_SECRET}`, "hunter2");
    if (put.status !== 200) throw new Error(`seeding ${KV_SECRET}: ${put.status} ${put.text}`);
  }, 600_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it("refuses every attack from an app, a neighbour, the ingress and every wrong token", async () => {
    const m = mesh!;
    const t0 = Date.now();
    const cells: SecurityCell[] = [];
    const cell = (id: string, from: string, target: string, attempt: string, expected: string, actual: string) =>
      cells.push({ id, from, target, attempt, expected, actual });

    // Attackers that take a while: rogue agents retrying to join, the expiry clock.
    const [outsider, rogueNoKey, rogueWrongKey] = await Promise.all([
      startOutsider(m),
      startRogueAgent(m, "rogue-no-key"),
      startRogueAgent(m, "rogue-wrong-key", generateSecretValues([{ name: "k", purpose: "a key of its own", generate: { kind: "gossip-key" } }])["k"]),
    ]);
    const roguesStarted = Date.now();
    const abort = { aborted: false };
    const expiry = measureExpiry ? expiryCells(m, abort) : Promise.resolve([] as SecurityCell[]);

    try {
      await appNamespaceCells(m, cell);
      await stolenTokenCells(m, cell);
      await outsiderCells(m, outsider, cell);
      await tokenCells(m, cell);
      await forgedHeaderCells(m, cell);
      await pathTrickCells(m, cell);
      await ingressCells(m, cell);
      await destructiveCells(m, outsider, cell);

      await sleep(Math.max(0, 15_000 - (Date.now() - roguesStarted)));
      cell(
        "outsider.rogue-agent-no-key",
        "a Consul agent on the network",
        "the cluster (gossip)",
        "join without the gossip key",
        "not a member (Remote state is encrypted and encryption is not configured)",
        await membership(m, "rogue-no-key", rogueNoKey),
      );
      cell(
        "outsider.rogue-agent-wrong-key",
        "a Consul agent on the network",
        "the cluster (gossip)",
        "join with a gossip key of its own",
        "not a member (No installed keys could decrypt the message)",
        await membership(m, "rogue-wrong-key", rogueWrongKey),
      );
      cells.push(...(await expiry));
    } catch (error) {
      throw new Error(`the matrix stopped: ${(error as Error).message}\ncells so far:\n${formatSecurityMatrix(cells)}`, { cause: error });
    } finally {
      abort.aborted = true;
      await expiry.catch(() => undefined);
      await Promise.all([outsider, rogueNoKey, rogueWrongKey].map((c: StartedTestContainer) => c.stop().catch(() => undefined)));
    }

    const table = formatSecurityMatrix(cells);
    const red = securityMismatches(cells);
    const took = `${cells.length} cells in ${((Date.now() - t0) / 1000).toFixed(0)} s`;
    if (mutations.length) {
      const must = mutations.flatMap((mu) => mu.turnsRed);
      const stayedGreen = must.filter((id) => !red.some((c) => c.id === id));
      console.info(`mutation ${mutations.map((mu) => mu.name).join(", ")} (${took}): red cells: ${red.map((c) => c.id).join(", ") || "none"}\n${table}`);
      if (stayedGreen.length)
        throw new Error(
          `with ${mutations.map((mu) => mu.name).join(", ")} off, these cells stayed green, so they do not test it: ${stayedGreen.join(", ")}\n${table}`,
        );
      return;
    }
    if (red.length) throw new Error(`security matrix differs in ${red.length} cells (${red.map((c) => c.id).join(", ")}):\n${table}`);
    console.info(`security matrix (${took}):\n${table}`);
  });
});

type Cell = (id: string, from: string, target: string, attempt: string, expected: string, actual: string) => void;

function instancePorts(m: StartedMesh, id: string) {
  return m.instance(id).spec.ports;
}

/** A port of a node container by the purpose the plan gives it. */
function nodePort(m: StartedMesh, node: string, purpose: RegExp): number {
  const p = m.plan.containers.find((c) => c.name === node)?.ports.find((x) => purpose.test(x.purpose));
  if (!p) throw new Error(`${node} has no port for ${purpose}`);
  return p.container;
}

/** The sidecar's Consul token, as the app can read it from Envoy's admin API in its own namespace. */
async function tokenFromEnvoyAdmin(m: StartedMesh, instance: string): Promise<string | undefined> {
  const dump = await m.instance(instance).http(`http://127.0.0.1:${instancePorts(m, instance).envoyAdmin}/config_dump`);
  return /"key": "x-consul-token",\s*"value": "([0-9a-f-]{36})"/.exec(dump.body)?.[1];
}

/** An entry as Consul holds it, in the shape `PUT /v1/config` takes back (a write that changes nothing if it gets through). */
async function entryAsWritten(m: StartedMesh, kind: "service-intentions", name: string): Promise<string> {
  const live = (await m.consul.configEntry(kind, name)) ?? {};
  return JSON.stringify({ Kind: live["Kind"], Name: live["Name"], Sources: live["Sources"] });
}

async function appNamespaceCells(m: StartedMesh, cell: Cell): Promise<void> {
  const app = m.instance("user-service-1");
  const from = "user-service-1 (app namespace, no token)";
  const agent = `http://127.0.0.1:${app.spec.ports.agentHttp}`;
  const c = (id: string, target: string, attempt: string, expected: string, r: Parameters<typeof consulOutcome>[0]) =>
    cell(id, from, target, attempt, expected, consulOutcome(r));
  c("app.kv-read", "local Consul agent", `GET /v1/kv/${KV_SECRET}`, "403 key:read", await get(app, `${agent}/v1/kv/${KV_SECRET}`));
  c("app.kv-read-server", "Consul server", `GET /v1/kv/${KV_SECRET}`, "403 key:read", await get(app, `${m.plan.consul.url}/v1/kv/${KV_SECRET}`));
  c(
    "app.catalog-read",
    "local Consul agent",
    "GET /v1/catalog/service/payment-service",
    "200 [] (filtered)",
    await get(app, `${agent}/v1/catalog/service/payment-service`),
  );
  c("app.catalog-nodes", "local Consul agent", "GET /v1/catalog/nodes", "200 [] (filtered)", await get(app, `${agent}/v1/catalog/nodes`));
  c("app.config-read", "local Consul agent", "GET /v1/config/service-intentions", "200 [] (filtered)", await get(app, `${agent}/v1/config/service-intentions`));
  c(
    "app.leaf-other",
    "local Consul agent",
    "GET /v1/agent/connect/ca/leaf/payment-service (cert and key)",
    "403 endpoint blocked",
    await get(app, `${agent}/v1/agent/connect/ca/leaf/payment-service`),
  );
  c(
    "app.leaf-own",
    "local Consul agent",
    "GET /v1/agent/connect/ca/leaf/user-service (its own, cached by its agent)",
    "403 endpoint blocked",
    await get(app, `${agent}/v1/agent/connect/ca/leaf/user-service`),
  );
  c("app.agent-self", "local Consul agent", "GET /v1/agent/self (agent config)", "403 agent:read", await get(app, `${agent}/v1/agent/self`));
  c("app.acl-tokens", "local Consul agent", "GET /v1/acl/tokens", "403 acl:read", await get(app, `${agent}/v1/acl/tokens`));
  c(
    "app.kv-write",
    "local Consul agent",
    `PUT /v1/kv/${KV_SECRET}`,
    "403 key:write",
    await get(app, `${agent}/v1/kv/${KV_SECRET}`, { method: "PUT", body: "pwned" }),
  );
}

async function stolenTokenCells(m: StartedMesh, cell: Cell): Promise<void> {
  // payment-service's app takes its sidecar's token: Envoy's admin API is on the loopback it shares.
  const app = m.instance("payment-service-1");
  const token = await tokenFromEnvoyAdmin(m, "payment-service-1");
  cell(
    "app.token-in-envoy-admin",
    "payment-service-1 (app namespace)",
    "Envoy admin 127.0.0.1:19000",
    "GET /config_dump: the sidecar's Consul token",
    "readable (out of scope: SECURITY.md)",
    token ? "readable (out of scope: SECURITY.md)" : "not found",
  );
  if (!token) return;
  const from = "payment-service-1 (app, its sidecar's token)";
  const agent = `http://127.0.0.1:${app.spec.ports.agentHttp}`;
  const h = { "x-consul-token": token };
  const c = (id: string, target: string, attempt: string, expected: string, r: Parameters<typeof consulOutcome>[0]) =>
    cell(id, from, target, attempt, expected, consulOutcome(r));
  c(
    "stolen.catalog-other",
    "local Consul agent",
    "GET /v1/catalog/service/user-service (not an upstream)",
    "200 [] (filtered)",
    await get(app, `${agent}/v1/catalog/service/user-service`, { headers: h }),
  );
  c("stolen.catalog-nodes", "local Consul agent", "GET /v1/catalog/nodes", "200", await get(app, `${agent}/v1/catalog/nodes`, { headers: h }));
  c("stolen.kv-read", "local Consul agent", `GET /v1/kv/${KV_SECRET}`, "403 key:read", await get(app, `${agent}/v1/kv/${KV_SECRET}`, { headers: h }));
  c(
    "stolen.leaf-other",
    "local Consul agent",
    "GET /v1/agent/connect/ca/leaf/ledger",
    "403 endpoint blocked",
    await get(app, `${agent}/v1/agent/connect/ca/leaf/ledger`, { headers: h }),
  );
  c(
    "stolen.intention-write-own",
    "local Consul agent",
    "PUT /v1/config service-intentions payment-service (its own)",
    "403 intention:write",
    await get(app, `${agent}/v1/config`, { method: "PUT", headers: h, body: await entryAsWritten(m, "service-intentions", "payment-service") }),
  );
  const fake = { ID: "fake-ledger", Name: "ledger", Port: 9999, Address: "6.6.6.6" };
  c(
    "stolen.register-other",
    "local Consul agent",
    "PUT /v1/agent/service/register ledger (another service)",
    "403 service:write",
    await get(app, `${agent}/v1/agent/service/register`, { method: "PUT", headers: h, body: JSON.stringify(fake) }),
  );
  await get(app, `${agent}/v1/agent/service/deregister/${fake.ID}`, { method: "PUT", headers: { "x-consul-token": m.consul.token } });
}

async function outsiderCells(m: StartedMesh, outsider: StartedTestContainer, cell: Cell): Promise<void> {
  const from = "outsider (on the mesh network)";
  const pay = m.plan.services.find((s) => s.name === "payment-service")!;
  const node = "payment-service-1";
  const ports = instancePorts(m, node);
  const consul = m.plan.consul.url;
  const c = (id: string, target: string, attempt: string, expected: string, actual: string) => cell(id, from, target, attempt, expected, actual);
  const conn = async (url: string, opts: Parameters<typeof get>[2] = {}) => meshOutcome(await get(outsider, url, opts));

  c("outsider.app-port", `${node}:${pay.port}`, "GET /value (the app itself)", "refused", await conn(`http://${node}:${pay.port}/value`));
  c(
    "outsider.workload-admin",
    `${node}:${ports.workloadAdmin}`,
    "GET /admin/state",
    "refused",
    await conn(`http://${node}:${ports.workloadAdmin}/admin/state`),
  );
  c("outsider.envoy-admin", `${node}:${ports.envoyAdmin}`, "GET /config_dump", "refused", await conn(`http://${node}:${ports.envoyAdmin}/config_dump`));
  c("outsider.agent-api", `${node}:${ports.agentHttp}`, "GET /v1/agent/self", "refused", await conn(`http://${node}:${ports.agentHttp}/v1/agent/self`));
  c(
    "outsider.sidecar-plaintext",
    `${node}:${ports.sidecarPublic}`,
    "POST /pay in plain HTTP",
    "closed without an answer",
    await conn(`http://${node}:${ports.sidecarPublic}/pay`, PAY),
  );
  const metrics = nodePort(m, node, /Envoy Prometheus/);
  c(
    "outsider.envoy-metrics-trick",
    `${node}:${metrics}`,
    "GET /metrics/../config_dump",
    "404 no route",
    await conn(`http://${node}:${metrics}/metrics/../config_dump`),
  );
  const exposed = nodePort(m, node, /exposed app \/metrics/);
  c(
    "outsider.exposed-path-other",
    `${node}:${exposed}`,
    "GET /admin/state on the exposed /metrics listener",
    "404 no route",
    await conn(`http://${node}:${exposed}/admin/state`),
  );

  const sidecar = m.container(node).getMappedPort(ports.sidecarPublic);
  c(
    "outsider.sidecar-tls-no-cert",
    `${node}:${ports.sidecarPublic}`,
    "TLS without a client certificate",
    "TLS alert certificate required",
    await tlsAttempt(m.container(node).getHost(), sidecar),
  );
  const foreign = generateSecretValues([
    { name: "ca", purpose: "a CA of its own", generate: { kind: "tls-ca", commonName: "not the mesh" } },
    {
      name: "me",
      purpose: "its certificate",
      generate: { kind: "tls-cert", ca: "ca", commonName: "user-service", dnsNames: ["user-service"], ipAddresses: [] },
    },
  ]);
  c(
    "outsider.sidecar-tls-foreign-ca",
    `${node}:${ports.sidecarPublic}`,
    "TLS with a certificate from another CA",
    "TLS alert unknown ca",
    await tlsAttempt(m.container(node).getHost(), sidecar, { cert: foreign["me#cert"]!, key: foreign["me#key"]! }),
  );

  const kv = `${consul}/v1/kv/${KV_SECRET}`;
  c("outsider.consul-kv-read", "consul:8500", `GET /v1/kv/${KV_SECRET}`, "403 key:read", consulOutcome(await get(outsider, kv)));
  c(
    "outsider.consul-kv-write",
    "consul:8500",
    `PUT /v1/kv/${KV_SECRET}`,
    "403 key:write",
    consulOutcome(await get(outsider, kv, { method: "PUT", body: "pwned" })),
  );
  c("outsider.consul-acl-tokens", "consul:8500", "GET /v1/acl/tokens", "403 acl:read", consulOutcome(await get(outsider, `${consul}/v1/acl/tokens`)));
  c(
    "outsider.consul-acl-create",
    "consul:8500",
    "PUT /v1/acl/token with global-management",
    "403 acl:write",
    consulOutcome(await get(outsider, `${consul}/v1/acl/token`, { method: "PUT", body: JSON.stringify({ Policies: [{ Name: "global-management" }] }) })),
  );
  c(
    "outsider.consul-acl-bootstrap",
    "consul:8500",
    "PUT /v1/acl/bootstrap",
    "403 bootstrap no longer allowed",
    consulOutcome(await get(outsider, `${consul}/v1/acl/bootstrap`, { method: "PUT" })),
  );
  c(
    "outsider.consul-leaf",
    "consul:8500",
    "GET /v1/agent/connect/ca/leaf/payment-service",
    "403 endpoint blocked",
    consulOutcome(await get(outsider, `${consul}/v1/agent/connect/ca/leaf/payment-service`)),
  );
  // The gateway registers through the server, whose agent caches the gateway's leaf certificate and key.
  c(
    "outsider.consul-leaf-gateway",
    "consul:8500",
    "GET /v1/agent/connect/ca/leaf/web (the ingress gateway's, cached there)",
    "403 endpoint blocked",
    consulOutcome(await get(outsider, `${consul}/v1/agent/connect/ca/leaf/web`)),
  );
  // Consul's router redirects unclean paths to the clean one, which is blocked.
  const leafVia = async (path: string) => {
    const r = await get(outsider, `${consul}${path}`);
    if (r.status !== 307 && r.status !== 301) return consulOutcome(r);
    return `${r.status} to ${r.headers["location"]} → ${consulOutcome(await get(outsider, new URL(r.headers["location"] ?? "", consul).toString()))}`;
  };
  c(
    "outsider.consul-leaf-gateway-encoded",
    "consul:8500",
    "GET /v1/agent/connect/ca/%6Ceaf/web",
    "403 endpoint blocked",
    await leafVia("/v1/agent/connect/ca/%6Ceaf/web"),
  );
  c(
    "outsider.consul-leaf-gateway-double-slash",
    "consul:8500",
    "GET //v1/agent/connect/ca/leaf/web",
    "307 to /v1/agent/connect/ca/leaf/web → 403 endpoint blocked",
    await leafVia("//v1/agent/connect/ca/leaf/web"),
  );
  c(
    "outsider.consul-leaf-gateway-dot-dot",
    "consul:8500",
    "GET /v1/agent/connect/ca/x/../leaf/web",
    "307 to /v1/agent/connect/ca/leaf/web → 403 endpoint blocked",
    await leafVia("/v1/agent/connect/ca/x/../leaf/web"),
  );
  c(
    "outsider.consul-snapshot",
    "consul:8500",
    "GET /v1/snapshot (the whole state)",
    "403 acl:write",
    consulOutcome(await get(outsider, `${consul}/v1/snapshot`)),
  );
  const https = m.container(m.plan.consul.server.container).getMappedPort(8501);
  const ca = m.secret(`${SECRET.consulCa}#cert`);
  const viaHttps = async (method: string, path: string, body?: string) =>
    consulOutcome({
      ...(await tlsRequest({
        host: m.container(m.plan.consul.server.container).getHost(),
        port: https,
        path,
        method,
        ca,
        ...(body !== undefined ? { body } : {}),
      })),
      exitCode: -1,
    });
  c("outsider.consul-https-kv-read", "consul:8501 (HTTPS)", `GET /v1/kv/${KV_SECRET}`, "403 key:read", await viaHttps("GET", `/v1/kv/${KV_SECRET}`));
  c("outsider.consul-https-kv-write", "consul:8501 (HTTPS)", `PUT /v1/kv/${KV_SECRET}`, "403 key:write", await viaHttps("PUT", `/v1/kv/${KV_SECRET}`, "pwned"));
  c("outsider.consul-https-acl-tokens", "consul:8501 (HTTPS)", "GET /v1/acl/tokens", "403 acl:read", await viaHttps("GET", "/v1/acl/tokens"));

  const login = async (password: string) => {
    const r = await get(outsider, `${m.plan.keycloak!.url}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: "admin", password }).toString(),
    });
    const error = /"error":"([a-z_]+)"/.exec(r.body)?.[1];
    return r.status === 200 && r.body.includes("access_token") ? "200 admin token" : `${r.status ?? "no answer"}${error ? ` ${error}` : ""}`;
  };
  c(
    "outsider.keycloak-derived-password",
    "keycloak:8080 master realm",
    "admin login, password sha256(meshwright\\0<mesh>\\0\\0keycloak-admin)",
    "400 invalid_grant",
    await login(derivedAdminPassword(m.plan.mesh.name)),
  );
  c("outsider.keycloak-admin-admin", "keycloak:8080 master realm", "admin login admin/admin", "400 invalid_grant", await login("admin"));
  c(
    "outsider.keycloak-real-password",
    "keycloak:8080 master realm",
    "control: admin login with this run's password",
    "200 admin token",
    await login(m.secret(SECRET.keycloakAdmin)),
  );

  const prom = m.plan.prometheus!.url;
  const reload = await get(outsider, `${prom}/-/reload`, { method: "POST" });
  c("outsider.prometheus-reload", "prometheus:9090", "POST /-/reload", "403 Lifecycle API is not enabled.", `${reload.status} ${reload.body.trim()}`);
  const config = await get(outsider, `${prom}/api/v1/status/config`);
  const tokens = Object.values(m.plan.secrets)
    .filter((s) => s.name.startsWith("consul/token/"))
    .map((s) => m.secret(s.name));
  c(
    "outsider.prometheus-config",
    "prometheus:9090",
    "GET /api/v1/status/config (it holds a Consul token)",
    "200, no secret in it",
    `${config.status}, ${tokens.some((t) => config.body.includes(t)) ? "a Consul token in it" : "no secret in it"}`,
  );

  const lan = lanAddress();
  const published = m.container(m.plan.consul.server.container).getMappedPort(m.plan.consul.server.httpPort);
  c(
    "host.published-ports",
    lan ? `${lan}:${published} (Consul's published port)` : "the host's LAN address",
    "connect from the host's LAN address",
    "refused",
    lan ? await tcpAttempt(lan, published) : "no LAN address on this host",
  );
}

async function tokenCells(m: StartedMesh, cell: Cell): Promise<void> {
  const user = "user-service-1";
  const kcUrl = m.keycloakUrl();
  const valid = await m.tokenFor("user-service");
  const ledgerToken = await m.tokenFor("ledger");
  const alice = await m.userToken("alice", { scopes: ["payments:write"] });
  const bob = await m.userToken("bob", { scopes: ["payments:write"] });
  const shadow = await fetch(`${kcUrl}/realms/${SHADOW_REALM}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: SHADOW_CLIENT.clientId, client_secret: SHADOW_CLIENT.secret }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  const payTo = async (headers: Record<string, string>, path = "/pay") => meshOutcome(await m.call(user, "payment-service", path, { ...PAY, headers }));
  const from = `${user} (through its sidecar)`;
  const c = (id: string, attempt: string, expected: string, actual: string, target = "payment-service POST /pay") =>
    cell(id, from, target, attempt, expected, actual);

  c("token.valid", "control: its own token with payments:write", "200", await payTo(bearer(valid)));
  c("token.none", "no token", "403 RBAC", await payTo({}));
  c("token.other-realm", `a token of realm ${SHADOW_REALM} (same client id, audience and claims)`, "403 RBAC", await payTo(bearer(shadow)));
  c("token.other-client", "ledger's token (audience payment-service, azp ledger)", "403 RBAC", await payTo(bearer(ledgerToken)));
  c("token.human-on-service-rule", "alice's token (payments:write, audience payment-service, azp mesh-tests)", "403 RBAC", await payTo(bearer(alice)));
  c("token.lowercase-bearer", "its token after `bearer ` (not `Bearer `)", "403 RBAC", await payTo({ authorization: `bearer ${valid}` }));

  const probe = m.instance(user);
  const local = m
    .instance(user)
    .upstreamUrl("payment-service")
    .replace(/^http:\/\/127\.0\.0\.1:/, "");
  const raw = async (lines: string[], path = "/pay") =>
    meshOutcome(
      await rawHttp(
        probe,
        Number(local),
        [`POST ${path} HTTP/1.1`, "Host: payment-service", ...lines, "Content-Length: 0", "Connection: close", "", ""].join("\r\n"),
      ),
    );
  c(
    "token.duplicate-valid-then-garbage",
    "two Authorization headers: valid, then another",
    "403 RBAC",
    await raw([`Authorization: Bearer ${valid}`, "Authorization: Bearer not.a.jwt"]),
  );
  c(
    "token.duplicate-garbage-then-valid",
    "two Authorization headers: another, then valid",
    "403 RBAC",
    await raw(["Authorization: Bearer not.a.jwt", `Authorization: Bearer ${valid}`]),
  );
  c("token.duplicate-same", "the valid token twice", "403 RBAC", await raw([`Authorization: Bearer ${valid}`, `Authorization: Bearer ${valid}`]));
  c("token.in-query", "the valid token as ?access_token=", "403 RBAC", await raw([], `/pay?access_token=${valid}`));
  c("token.in-cookie", "the valid token as a cookie", "403 RBAC", await raw([`Cookie: access_token=${valid}`]));

  // At the ingress, rules for the gateway check audience and scopes (no azp: end users' clients vary).
  const ingress = m.ingress();
  const via = async (host: string, path: string, token: string, method = "GET") =>
    meshOutcome(await ingress.request({ host, path, method, headers: bearer(token) }));
  cell(
    "token.ingress-alice",
    "a client of the ingress",
    "ledger.local/ledger",
    "control: alice's token (payments:write, audience ledger)",
    "200",
    await via("ledger.local", "/ledger/entries", alice),
  );
  cell(
    "token.other-audience",
    "a client of the ingress",
    "ledger.local/ledger",
    "user-service's token (payments:write, audience payment-service only)",
    "403 RBAC",
    await via("ledger.local", "/ledger/entries", valid),
  );
  cell(
    "token.ingress-pay-alice",
    "a client of the ingress",
    "pay.local POST /pay",
    "control: alice's token",
    "200",
    await via("pay.local", "/pay", alice, "POST"),
  );
  cell(
    "token.user-not-granted",
    "a client of the ingress",
    "pay.local POST /pay",
    "bob's token, payments:write asked for but not granted to him",
    "403 RBAC",
    await via("pay.local", "/pay", bob, "POST"),
  );
  const scopesOf = (token: string) => Object.keys((decodeJwt(token).payload["meshwright"] as { scopes?: Record<string, string> } | undefined)?.scopes ?? {});
  const paymentAsks = await m.tokenFor("payment-service", { scopes: ["payments:write"] }).catch((e: Error) => {
    const refusal = /HTTP (\d+) .*"error":"([a-z_]+)"/.exec(e.message);
    return `refused: ${refusal ? `${refusal[1]} ${refusal[2]}` : e.message.slice(0, 60)}`;
  });
  cell(
    "token.client-not-granted",
    "payment-service's client",
    "keycloak token endpoint",
    "client credentials asking for payments:write (never granted to it)",
    "refused: 400 invalid_scope",
    paymentAsks.startsWith("refused")
      ? paymentAsks
      : scopesOf(paymentAsks).includes("payments:write")
        ? "token with payments:write"
        : "token without payments:write",
  );
  cell(
    "token.user-not-granted-claims",
    "bob",
    "keycloak token endpoint",
    "password grant asking for payments:write (never granted to him)",
    "token without payments:write",
    scopesOf(bob).includes("payments:write") ? "token with payments:write" : "token without payments:write",
  );
}

async function forgedHeaderCells(m: StartedMesh, cell: Cell): Promise<void> {
  const gateway = await networkGateway(m);
  // Through user-service's sidecar to ledger, with every forged header.
  const viaSidecar = await m.call("user-service-1", "ledger", "/value/public", { headers: FORGED });
  cell(
    "forged.via-sidecar",
    "user-service-1 (through its sidecar)",
    "ledger's app (echo)",
    "GET with forged x-forwarded-*, x-real-ip, forwarded, x-envoy-*, x-forwarded-client-cert",
    "no forged header",
    viaSidecar.status === 200 ? forgedSeen(viaSidecar.body) : meshOutcome(viaSidecar),
  );
  // Through the ingress: x-forwarded-for must be the client's own address, whatever it sent.
  const viaIngress = await m.ingress().request({ host: "shop.local", path: "/api/whoami", headers: FORGED });
  const xff = (JSON.parse(viaIngress.body || "{}") as { headers?: { proxy?: Record<string, string> } }).headers?.proxy?.["x-forwarded-for"];
  cell(
    "forged.via-ingress",
    "a client of the ingress",
    "user-service's app (echo)",
    "GET shop.local/api/whoami with every forged header",
    "no forged header; x-forwarded-for = the client's address",
    viaIngress.status === 200
      ? `${forgedSeen(viaIngress.body, { "x-forwarded-for": gateway })}; x-forwarded-for = ${xff === gateway ? "the client's address" : (xff ?? "absent")}`
      : meshOutcome(viaIngress),
  );

  // An app holding its own mesh certificate (its sidecar's token gets it one over xDS) calls
  // ledger's sidecar directly, past its own sidecar's router.
  const roots = (await consulRequest<{ TrustDomain: string; Roots: { RootCert: string }[] }>(m.consul.api(), "GET", "/v1/connect/ca/roots")).body!;
  const leaf = leafFor(connectCa, roots.TrustDomain, m.plan.mesh.datacenter, "user-service");
  const port = m.container("ledger-1").getMappedPort(instancePorts(m, "ledger-1").sidecarPublic);
  const direct = (path: string, headers: Record<string, string>) =>
    tlsRequest({ host: m.container("ledger-1").getHost(), port, path, headers, ca: roots.Roots.map((r) => r.RootCert), cert: leaf.cert, key: leaf.key });
  const from = "user-service's own mesh certificate (direct to the sidecar)";
  const control = await direct("/value/public", {});
  cell("direct.control", from, "ledger-1's sidecar", `control: GET /value/public as ${leaf.uri}`, "200", meshOutcome({ ...control, exitCode: -1 }));
  const xfcc = await direct("/value/public", { "x-forwarded-client-cert": FORGED["x-forwarded-client-cert"]! });
  cell(
    "direct.forged-xfcc",
    from,
    "ledger's app (echo)",
    "GET with a forged x-forwarded-client-cert",
    "no forged header",
    xfcc.status === 200 ? forgedSeen(xfcc.body) : meshOutcome({ ...xfcc, exitCode: -1 }),
  );
  const { "x-forwarded-client-cert": _xfcc, ...proxyHeaders } = FORGED;
  const proxied = await direct("/value/public", proxyHeaders);
  cell(
    "direct.forged-proxy-headers",
    from,
    "ledger's app (echo)",
    "GET with forged x-forwarded-*, x-real-ip, forwarded, x-envoy-*",
    "no forged header",
    proxied.status === 200 ? forgedSeen(proxied.body) : meshOutcome({ ...proxied, exitCode: -1 }),
  );

  // What the access logs say about requests with forged headers: the real path and the TCP peer.
  const denied = await direct("/value/supersecret", proxyHeaders);
  const logLine = async (container: string, match: (e: AccessLogEntry & Record<string, unknown>) => boolean, what: string) =>
    eventually(
      async () => {
        const line = (await accessLogOf(m, container)).filter(match).at(-1);
        if (!line) throw new Error(`no access log line for ${what} yet`);
        return line;
      },
      { what: `${container}'s access log line for ${what}`, timeoutMs: 15_000 },
    ).catch(() => undefined);
  const deniedLine = await logLine(
    "ledger-1",
    (e) => e.response_code === 403 && (e.path === "/value/supersecret" || e.path === FORGED["x-envoy-original-path"]),
    "the denied direct call",
  );
  cell(
    "log.denied-direct-call",
    from,
    "ledger-1's sidecar access log",
    `the line for that call to /value/supersecret (${denied.status ?? denied.error}), with forged x-envoy-original-path and x-forwarded-for`,
    "path /value/supersecret, peer the caller's address",
    describeLogLine(deniedLine, "/value/supersecret", gateway),
  );
  const ingressLine = await logLine("web", (e) => e.path === "/api/whoami" || e.path === FORGED["x-envoy-original-path"], "GET /api/whoami");
  cell(
    "log.ingress",
    "a client of the ingress",
    "web's access log",
    "the line for GET shop.local/api/whoami with forged headers",
    "path /api/whoami, peer the caller's address",
    describeLogLine(ingressLine, "/api/whoami", gateway),
  );
}

/** Access log lines of a sidecar (`<instance>`) or a gateway (its container name). */
async function accessLogOf(m: StartedMesh, container: string): Promise<(AccessLogEntry & Record<string, unknown>)[]> {
  if (m.plan.ingresses.some((g) => g.container === container)) {
    return (await containerLogs(m.container(container).getId())).flatMap((l: string) => {
      try {
        return l.startsWith("{") ? [JSON.parse(l) as AccessLogEntry & Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }
  return (await accessLog(m, container)) as (AccessLogEntry & Record<string, unknown>)[];
}

function describeLogLine(line: (AccessLogEntry & Record<string, unknown>) | undefined, path: string, peerIp: string): string {
  if (!line) return "no line";
  const peer = String(line["downstream_remote_address"] ?? "");
  const peerOk = peer.startsWith(`${peerIp}:`);
  return `path ${line.path === path ? path : line.path}, peer ${peerOk ? "the caller's address" : peer}`;
}

async function pathTrickCells(m: StartedMesh, cell: Cell): Promise<void> {
  const user = "user-service-1";
  const from = `${user} (through its sidecar)`;
  const ledgerGet = async (path: string) => meshOutcome(await m.call(user, "ledger", path, {}));
  // ledger lets user-service read everything but the exact path /value/supersecret and the prefix /admin.
  const deny: [string, string, string, string][] = [
    ["deny.control-public", "/value/public", "control: an allowed path", "200"],
    ["deny.control-secret", "/value/supersecret", "control: the denied path", "403 RBAC"],
    ["deny.encoded-letter", "/value/%73upersecret", "a percent-encoded letter", "403 RBAC"],
    ["deny.encoded-last-letter", "/value/supersecre%74", "a percent-encoded last letter", "403 RBAC"],
    ["deny.double-encoded", "/value/%2573upersecret", "double encoding", "403 RBAC"],
    ["deny.semicolon", "/value/supersecret;x=1", "a ; path parameter", "403 RBAC"],
    ["deny.semicolon-segment", "/value;x/supersecret", "a ; segment", "403 RBAC"],
    ["deny.nul", "/value/supersecret%00", "NUL (%00)", "403 RBAC"],
    ["deny.nul-extension", "/value/supersecret%00.json", "NUL and an extension", "403 RBAC"],
    ["deny.upper-case", "/VALUE/SUPERSECRET", "upper case against a lower-case deny", "403 RBAC"],
    ["deny.trailing-slash", "/value/supersecret/", "a trailing slash", "403 RBAC"],
    ["deny.trailing-slashes", "/value/supersecret//", "two trailing slashes", "403 RBAC"],
    ["deny.query", "/value/supersecret?x=1", "a query string", "403 RBAC"],
    ["deny.dot-segment", "/value/./supersecret", "a . segment", "403 RBAC"],
    ["deny.dot-dot", "/x/../value/supersecret", "a .. segment", "403 RBAC"],
    ["deny.double-slash", "/value//supersecret", "a doubled slash", "403 RBAC"],
    ["deny.encoded-slash", "/value%2fsupersecret", "an encoded slash", "403 RBAC"],
    ["deny.encoded-backslash", "/value%5csupersecret", "an encoded backslash", "403 RBAC"],
    ["deny.overlong-2-byte", "/value%C0%AFsupersecret", "an overlong two-byte /", "403 RBAC"],
    ["deny.overlong-3-byte", "/value%E0%80%AFsupersecret", "an overlong three-byte /", "403 RBAC"],
    ["deny.prefix", "/admin/state", "control: the denied prefix", "403 RBAC"],
    ["deny.prefix-mixed-case", "/Admin/state", "mixed case against a prefix deny", "403 RBAC"],
    ["deny.prefix-encoded", "/%61dmin/state", "a percent-encoded letter in a denied prefix", "403 RBAC"],
    ["deny.prefix-dot-dot", "/value/../admin/state", "a .. segment into a denied prefix", "403 RBAC"],
  ];
  for (const [id, path, attempt, expected] of deny) cell(id, from, `ledger GET ${path}`, attempt, expected, await ledgerGet(path));
  const probe = m.instance(user);
  const ledgerPort = Number(probe.upstreamUrl("ledger").split(":").at(-1));
  const rawGet = async (target: string) =>
    meshOutcome(await rawHttp(probe, ledgerPort, [`GET ${target} HTTP/1.1`, "Host: ledger", "Connection: close", "", ""].join("\r\n")));
  cell("deny.backslash", from, "ledger GET /value\\supersecret", "a raw backslash", "403 RBAC", await rawGet("/value\\supersecret"));
  cell("deny.fragment", from, "ledger GET /value/supersecret#x", "a raw fragment", "400", await rawGet("/value/supersecret#x"));
  cell(
    "deny.malformed-percent",
    from,
    "ledger GET /value/supersecret%",
    "a malformed % (raw: clients refuse to send it)",
    "403 RBAC",
    await rawGet("/value/supersecret%"),
  );

  // payment-service allows user-service POST /pay (with its token): tricks that leave /pay.
  const token = await m.tokenFor("user-service");
  const payPost = async (path: string) => meshOutcome(await m.call(user, "payment-service", path, { ...PAY, headers: bearer(token) }));
  const allow: [string, string, string][] = [
    ["allow.control", "/pay", "control: the allowed path"],
    ["allow.dot-dot", "/pay/../admin/state", "a .. segment out of /pay"],
    ["allow.encoded-dot-dot", "/pay/%2e%2e/admin/state", "encoded dots out of /pay"],
    ["allow.encoded-slashes", "/pay%2F..%2Fadmin%2Fstate", "encoded slashes out of /pay"],
    ["allow.double-slash", "//admin/state", "a doubled slash"],
    ["allow.semicolon", "/pay;/../admin/state", "a ; segment"],
    ["allow.double-encoded", "/pay/%252e%252e/admin/state", "double-encoded dots"],
    ["allow.nul", "/pay%00/../admin/state", "NUL"],
    ["allow.upper-case", "/PAY", "upper case (allow rules match exactly)"],
  ];
  for (const [id, path, attempt] of allow)
    cell(id, from, `payment-service POST ${path}`, attempt, id === "allow.control" ? "200" : "403 RBAC", await payPost(path));
}

async function ingressCells(m: StartedMesh, cell: Cell): Promise<void> {
  const ingress = m.ingress();
  const from = "a client of the ingress";
  const req = async (host: string, path: string) => {
    const r = await ingress.request({ host, path });
    return { outcome: meshOutcome(r), body: r.body };
  };
  cell("ingress.control", from, "shop.local", "control: GET /api/orders (the declared route)", "200", (await req("shop.local", "/api/orders")).outcome);
  cell(
    "ingress.outside-route",
    from,
    "shop.local",
    "GET /admin/state (outside the /api route)",
    "503 no healthy upstream",
    (await req("shop.local", "/admin/state")).outcome,
  );
  cell(
    "ingress.unknown-host",
    from,
    "other.local",
    "GET /api/orders for a host no route names",
    "404 no route",
    (await req("other.local", "/api/orders")).outcome,
  );
  cell("ingress.dot-dot", from, "shop.local", "GET /api/../admin/state", "403 RBAC", (await req("shop.local", "/api/../admin/state")).outcome);
  cell("ingress.encoded-dot-dot", from, "shop.local", "GET /api/%2e%2e/admin/state", "403 RBAC", (await req("shop.local", "/api/%2e%2e/admin/state")).outcome);
  const admin = await req("shop.local", "/api/admin/state");
  cell(
    "ingress.workload-admin",
    from,
    "shop.local",
    "GET /api/admin/state (the workload's admin API path)",
    "200, the echo (the admin API is not on the served port)",
    `${admin.outcome}, ${admin.body.includes("errorRate") ? "the admin API" : admin.body.includes('"path":"/api/admin/state"') ? "the echo (the admin API is not on the served port)" : admin.body.slice(0, 40)}`,
  );
}

/** Cells whose attempt would change the mesh if it got through: run last, put back after. */
async function destructiveCells(m: StartedMesh, outsider: StartedTestContainer, cell: Cell): Promise<void> {
  const app = m.instance("user-service-1");
  const from = "user-service-1 (app namespace, no token)";
  const agent = `http://127.0.0.1:${app.spec.ports.agentHttp}`;
  const consul = m.plan.consul.url;
  const intentions = await entryAsWritten(m, "service-intentions", "payment-service");
  cell(
    "app.intention-write",
    from,
    "local Consul agent",
    "PUT /v1/config service-intentions payment-service",
    "403 intention:write",
    consulOutcome(await get(app, `${agent}/v1/config`, { method: "PUT", body: intentions })),
  );
  cell(
    "outsider.consul-intention-write",
    "outsider (on the mesh network)",
    "consul:8500",
    "PUT /v1/config service-intentions payment-service",
    "403 intention:write",
    consulOutcome(await get(outsider, `${consul}/v1/config`, { method: "PUT", body: intentions })),
  );
  const fake = { ID: "fake-payment-service", Name: "payment-service", Port: 9999, Address: "6.6.6.6" };
  cell(
    "app.register-other",
    from,
    "local Consul agent",
    "PUT /v1/agent/service/register payment-service (a fake instance)",
    "403 service:write",
    consulOutcome(await get(app, `${agent}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify(fake) })),
  );
  await get(app, `${agent}/v1/agent/service/deregister/${fake.ID}`, { method: "PUT", headers: { "x-consul-token": m.consul.token } });
  cell(
    "app.deregister-other",
    from,
    "Consul server",
    "PUT /v1/catalog/deregister payment-service-1",
    "403 service:write",
    consulOutcome(
      await get(app, `${consul}/v1/catalog/deregister`, { method: "PUT", body: JSON.stringify({ Node: "payment-service-1", ServiceID: "payment-service-1" }) }),
    ),
  );
  cell(
    "app.deregister-own",
    from,
    "local Consul agent",
    "PUT /v1/agent/service/deregister/user-service-1",
    "403 service:write",
    consulOutcome(await get(app, `${agent}/v1/agent/service/deregister/user-service-1`, { method: "PUT" })),
  );
  const quit = await get(outsider, `${m.plan.prometheus!.url}/-/quit`, { method: "POST" });
  cell(
    "outsider.prometheus-quit",
    "outsider (on the mesh network)",
    "prometheus:9090",
    "POST /-/quit",
    "403 Lifecycle API is not enabled.",
    `${quit.status} ${quit.body.trim()}`,
  );
}

/**
 * ledger's tokens live 10 s. One is sent while fresh, 45 s past its expiry, and then once a
 * second until it is refused: Consul 1.16 never hands `ClockSkewSeconds` to Envoy, whose own
 * default skew applies. The measured boundary goes into the output (and SECURITY.md).
 */
async function expiryCells(m: StartedMesh, abort: { aborted: boolean }): Promise<SecurityCell[]> {
  const token = await m.tokenFor("ledger");
  const exp = decodeJwt(token).payload["exp"] as number;
  const send = async () => {
    const at = Date.now() / 1000 - exp;
    const r = await m.call("ledger-1", "payment-service", "/pay", { ...PAY, headers: bearer(token), timeoutMs: 5000 });
    return { at, outcome: meshOutcome(r) };
  };
  // waits in short steps, so a matrix that failed early does not keep the mesh for the clock
  const until = async (secondsPastExp: number) => {
    while (!abort.aborted && Date.now() < (exp + secondsPastExp) * 1000) await sleep(250);
    if (abort.aborted) throw new Error("the matrix ended before the expiry cells");
  };
  const base = { from: "ledger-1 (through its sidecar)", target: "payment-service POST /pay" };
  const fresh = await send();
  await until(45);
  const inside = await send();
  await until(52);
  const samples: { at: number; outcome: string }[] = [];
  while (Date.now() / 1000 < exp + 72 && !abort.aborted) {
    samples.push(await send());
    await sleep(500);
  }
  const lastAccepted = samples.filter((s) => s.outcome === "200").at(-1);
  const firstRefused = samples.find((s) => s.outcome === "403 RBAC" && (!lastAccepted || s.at > lastAccepted.at));
  const measured = `accepted until exp+${lastAccepted ? lastAccepted.at.toFixed(1) : "?"} s, refused from exp+${firstRefused ? firstRefused.at.toFixed(1) : "?"} s`;
  console.info(`token expiry on the real sidecars (ledger's 10 s tokens): ${measured}`);
  const late = samples.filter((s) => s.at >= 65).at(0);
  return [
    { id: "token.expiry-control", ...base, attempt: "control: ledger's 10 s token, fresh", expected: "200", actual: fresh.outcome },
    {
      id: "token.expired-inside-skew",
      ...base,
      attempt: `the same token ${inside.at.toFixed(0)} s after exp (Envoy's 60 s skew)`,
      expected: "200",
      actual: inside.outcome,
    },
    {
      id: "token.expired",
      ...base,
      attempt: `the same token ${late ? late.at.toFixed(0) : "65+"} s after exp (past the skew; ${measured})`,
      expected: "403 RBAC",
      actual: late?.outcome ?? "not sent",
    },
  ];
}
