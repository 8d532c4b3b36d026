/**
 * Keycloak on its default database, PostgreSQL: the realm, its clients, users and signing keys
 * live in the `postgres` container, so restarting Keycloak or the database loses nothing.
 *
 * The mesh: `orders` accepts `shop`'s calls only with a token that carries `orders:read` (the
 * sidecar checks it against Keycloak's keys), and a user logs in with the password grant. Each
 * restart (Keycloak, then PostgreSQL) must leave the same keys (tokens from before still pass
 * the sidecars), new tokens for the same client and user, and exactly one of each realm, client
 * and user in the database: Keycloak's `--import-realm` skips a realm that exists.
 */
import { containerLogs } from "../../harness/docker/container-logs";
import { inflict } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { decodeJwt } from "../../harness/probes/forged-tokens";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile, Mesh } from "../../sdk";

const mesh = new Mesh("kcdb", {
  identity: { scopes: ["orders:read"], users: [{ username: "alice", scopes: ["orders:read"] }], unsafePasswordGrantClient: true },
  telemetry: { metrics: false },
});
const orders = mesh.service("orders");
const shop = mesh.service("shop", { upstreams: [orders], identity: { scopes: ["orders:read"] } });
orders.allow(shop, { scopes: ["orders:read"] });
const plan = compile(mesh);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** One line of `psql` output, run as the database's superuser on its local socket. */
async function sql(m: StartedMesh, query: string): Promise<string> {
  const r = await m.container("postgres").exec(["psql", "--dbname=keycloak", "--no-psqlrc", "--tuples-only", "--no-align", "--command", query]);
  if (r.exitCode !== 0) throw new Error(`psql ${query}: ${r.output}`);
  return r.output.trim();
}

const REALM_ID = "(SELECT id FROM realm WHERE name = 'kcdb')";

/** The id Keycloak gave alice when it imported the realm. */
function aliceId(m: StartedMesh): Promise<string> {
  return sql(m, `SELECT id FROM user_entity WHERE realm_id = ${REALM_ID} AND username = 'alice'`);
}

/** How many realms, service clients and users of the mesh the database holds. */
async function stored(m: StartedMesh): Promise<Record<string, string>> {
  return {
    realms: await sql(m, "SELECT count(*) FROM realm WHERE name = 'kcdb'"),
    shopClients: await sql(m, `SELECT count(*) FROM client WHERE realm_id = ${REALM_ID} AND client_id = 'shop'`),
    alices: await sql(m, `SELECT count(*) FROM user_entity WHERE realm_id = ${REALM_ID} AND username = 'alice'`),
  };
}

describe("Keycloak on PostgreSQL (identity.database's default)", () => {
  let running: StartedMesh | undefined;
  const m = () => running!;
  let before: { token: string; kids: string[]; alice: string };

  /** Waits for Keycloak to mint a token for shop again; the token, after the restart of `what`. */
  const tokenAfter = (what: string) => eventually(() => m().tokenFor("shop"), { what: `a token for shop after ${what}`, timeoutMs: 120_000, intervalMs: 1000 });

  /** What must hold after each restart: same keys, new tokens pass, the old one still passes, one of everything. */
  async function intact(what: string): Promise<void> {
    const token = await tokenAfter(what);
    expect(decodeJwt(token).header["kid"]).toBe(decodeJwt(before.token).header["kid"]);
    expect((await m().keycloak.jwks()).keys.map((k) => String(k["kid"])).sort()).toEqual(before.kids);
    expect((await m().call("shop-1", "orders", "/", { headers: bearer(token) })).status).toBe(200);
    expect((await m().call("shop-1", "orders", "/", { headers: bearer(before.token) })).status).toBe(200);
    // the same user, who still logs in with the same password
    await m().userToken("alice", { scopes: ["orders:read"] });
    expect(await aliceId(m())).toBe(before.alice);
    expect(await stored(m())).toEqual({ realms: "1", shopClients: "1", alices: "1" });
  }

  beforeAll(async () => {
    running = await startMesh(plan);
    await waitConverged(running);
  }, 400_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("keeps the realm in PostgreSQL: tokens work, and the database holds the realm, its client and its user once", async () => {
    expect(plan.containers.find((c) => c.name === "keycloak")?.dependsOn).toEqual(["postgres"]);
    const token = await m().tokenFor("shop");
    await m().userToken("alice", { scopes: ["orders:read"] });
    const alice = await aliceId(m());
    expect(alice).toMatch(/^[0-9a-f-]{36}$/);
    before = { token, kids: (await m().keycloak.jwks()).keys.map((k) => String(k["kid"])).sort(), alice };
    expect((await m().call("shop-1", "orders", "/", { headers: bearer(token) })).status).toBe(200);
    expect((await m().call("shop-1", "orders", "/")).status).toBe(403);
    expect(await stored(m())).toEqual({ realms: "1", shopClients: "1", alices: "1" });
  });

  it("a restarted Keycloak finds the realm, skips the import and signs with the same keys", async () => {
    await inflict(m(), "keycloak", "restart");
    await intact("Keycloak's restart");
    expect((await containerLogs(m().container("keycloak").getId())).join("\n")).toMatch(/Realm 'kcdb' already exists\. Import skipped/);
  }, 200_000);

  it("a restarted PostgreSQL keeps everything, and Keycloak reconnects", async () => {
    await inflict(m(), "postgres", "restart");
    await eventually(() => sql(m(), "SELECT 1"), { what: "PostgreSQL after its restart", timeoutMs: 60_000 });
    await intact("PostgreSQL's restart");
  }, 200_000);
});
