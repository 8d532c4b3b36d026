/**
 * The bookstore (examples/bookstore): a mesh whose services are not meshwright's workload —
 * Debian's nginx and a Flask app, each built from its own Dockerfile by the harness, next to
 * the workload — proved with the same probes as the shop: discovery, a balance verdict over
 * the Flask instances (attributed by the sidecars' endpoint stamp, since Flask's answers say
 * nothing about who sent them), an auth matrix in which the Flask app's own client-credentials
 * token gets 200 where its rule allows and 403 elsewhere, and an instance killed under load
 * behind retries.
 */
import bookstore from "../../examples/bookstore/bookstore";
import "../../harness/matchers";
import { formatAuthMatrix, mismatches, type AuthCell } from "../../harness/probes/auth-matrix";
import { inflict } from "../../harness/probes/chaos";
import { catalogHealth } from "../../harness/probes/discovery";
import { eventually } from "../../harness/probes/eventually";
import { attribute, sendTraffic, TrafficSample } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile } from "../../sdk";

const plan = compile(bookstore);
const API = "api.bookstore.local";

describe("the bookstore: own apps built from Dockerfiles, proved with the harness", () => {
  let m: StartedMesh;

  beforeAll(async () => {
    const t0 = Date.now();
    m = await startMesh(plan, { log: (l) => (/built|building|up:/.test(l) ? console.info(l) : undefined) });
    await waitConverged(m);
    console.info(`bookstore up and converged in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 600_000);

  afterAll(async () => {
    await m?.stop();
  });

  it("finds every instance of every service healthy in Consul, apps built from their Dockerfiles", async () => {
    for (const s of plan.services) {
      const seen = await catalogHealth(m, s.name);
      expect(seen.map((i) => [i.id, i.status])).toEqual(s.instances.map((i) => [i.id, "passing"]));
    }
    expect(plan.services.map((s) => [s.name, s.app.kind])).toEqual([
      ["inventory", "workload"],
      ["catalog", "build"],
      ["storefront", "build"],
    ]);
    const page = await m.ingress("web").request({ host: "bookstore.local", path: "/" });
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
  });

  it("spreads requests through the ingress evenly over the two Flask catalog instances", async () => {
    const results = [];
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) {
      const started = Date.now() - t0;
      const r = await m.ingress("web").request({ host: API, path: "/" });
      results.push({
        status: r.status,
        startMs: started,
        latencyMs: Date.now() - t0 - started,
        ...(r.headers["x-meshwright-endpoint"] ? { endpoint: r.headers["x-meshwright-endpoint"] } : {}),
      });
    }
    const sample = new TrafficSample("test process", "catalog", await attribute(m, results));
    expect(sample.byStatus()).toEqual({ 200: 200 });
    expect(sample).toBeUniform(["catalog-1", "catalog-2"]);
    expect(sample).not.toMatchWeights({ "catalog-1": 9, "catalog-2": 1 });
  });

  it("lets the catalog's own token through to GET /stock and nowhere else", async () => {
    const token = await m.tokenFor("catalog");
    const bearer = { authorization: `Bearer ${token}` };
    const cells: AuthCell[] = [];
    const cell = (caller: string, callee: string, request: string, expected: number, actual: number | undefined) =>
      cells.push({ caller, callee, request, expected, actual: actual ?? 0 });

    // The app itself: /books makes the Flask app fetch its token and call inventory with it.
    for (const instance of ["catalog-1", "catalog-2"]) {
      const books = await m.instance(instance).app("/books");
      const inventoryStatus = (JSON.parse(books.body || "{}") as { inventory?: { status?: number } }).inventory?.status;
      cell(`${instance} (the Flask app)`, "inventory", "GET /stock with its own token", 200, inventoryStatus);
    }
    // The same client's token, from the catalog's namespace, on what the rule does not allow.
    const from = m.instance("catalog-1");
    cell("catalog", "inventory", "GET /stock, catalog's token", 200, (await from.call("inventory", "/stock", { headers: bearer })).status);
    cell("catalog", "inventory", "POST /stock, catalog's token", 403, (await from.call("inventory", "/stock", { method: "POST", headers: bearer })).status);
    cell("catalog", "inventory", "GET /orders, catalog's token", 403, (await from.call("inventory", "/orders", { headers: bearer })).status);
    cell("catalog", "inventory", "GET /stock, no token", 403, (await from.call("inventory", "/stock")).status);
    // storefront has no rule on inventory and no route to it: its sidecar has no listener.
    const direct = await m.instance("storefront-1").http("http://inventory-1:21000/stock", { timeoutMs: 3000 });
    cell("storefront (no mTLS)", "inventory-1:21000", "GET /stock, plaintext to the sidecar", 0, direct.status);
    // Through the ingress, the catalog's /books works end to end.
    const viaIngress = await m.ingress("web").request({ host: API, path: "/books" });
    cell("ingress", "catalog", "GET /books", 200, viaIngress.status);

    const wrong = mismatches(cells);
    if (wrong.length) throw new Error(`auth matrix differs from the plan (${wrong.length} cells):\n${formatAuthMatrix(cells)}`);
    console.info(formatAuthMatrix(cells));
  });

  it("hides an inventory instance killed under load behind the catalog's retries", async () => {
    const token = await m.tokenFor("catalog");
    // Paced: 6 s however fast the machine, so the kill at 1.5 s lands mid-batch everywhere.
    const count = 3000;
    const t0 = Date.now();
    const load = sendTraffic(m, "catalog-1", "inventory", { count, qps: 500, concurrency: 4, path: "/stock", headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 1500));
    await inflict(m, "inventory-2-app", "kill");
    const killedAtMs = Date.now() - t0;
    const sample = await load;
    const failed = sample.results.filter((r) => r.status !== 200);
    const lastFromKilled = Math.max(0, ...sample.results.filter((r) => r.instance === "inventory-2").map((r) => r.startMs));
    console.info(
      `inventory-2 killed ${killedAtMs} ms into ${count} requests: ${failed.length} failed, answered by ${JSON.stringify(sample.byInstance())}, its last answer started at ${lastFromKilled} ms`,
    );
    // The kill landed mid-batch: inventory-2 answered before it and not after.
    expect(sample.results[sample.results.length - 1]!.startMs).toBeGreaterThan(killedAtMs + 1000);
    expect(sample.byInstance()["inventory-2"]).toBeGreaterThan(0);
    expect(lastFromKilled).toBeLessThan(killedAtMs + 500);
    // A killed app refuses connections at once: retries on connect-failure and reset take the
    // request to the other instance, and outlier detection ejects the dead one after 2 errors.
    expect(failed.length).toBeLessThanOrEqual(3);
    await inflict(m, "inventory-2-app", "start");
    await eventually(
      async () => {
        const s = await sendTraffic(m, "catalog-1", "inventory", { count: 40, path: "/stock", headers: { authorization: `Bearer ${token}` } });
        if (!s.byInstance()["inventory-2"]) throw new Error("inventory-2 not answering yet");
      },
      { what: "inventory-2 back in rotation", timeoutMs: 90_000 },
    );
  });
});
