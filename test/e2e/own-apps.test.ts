/**
 * A mesh of three services none of which is meshwright's workload, declared with nothing but
 * what the README shows (app builds, files, upstreams, identity, allow, an ingress): Debian's
 * nginx as the storefront and as an inventory serving a JSON document, and the Flask catalog
 * calling the inventory with its own client-credentials token. The harness proves discovery,
 * balance and authorization on it with its ordinary probes, which go through each instance's
 * probe container and read who answered from the sidecars' endpoint stamp.
 */
import { join } from "node:path";
import { NGINX_CONF_PATH, nginxConf } from "../../examples/bookstore/storefront/nginx-conf";
import "../../harness/matchers";
import { formatAuthMatrix, mismatches, type AuthCell } from "../../harness/probes/auth-matrix";
import { catalogHealth } from "../../harness/probes/discovery";
import { attribute, TrafficSample } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile, Mesh } from "../../sdk";

const apps = join(__dirname, "..", "..", "examples", "bookstore");
/** nginx answering GET /stock with a fixed JSON document, on the contract's listen address. */
const stockConf = nginxConf("127.0.0.1:8080").replace(
  "        location / {",
  `        location = /stock {\n            default_type application/json;\n            return 200 '{"books":[{"id":1,"stock":3}]}';\n        }\n\n        location / {`,
);

const mesh = new Mesh("ownapps", { identity: { realm: "ownapps", scopes: ["inventory:read"] }, telemetry: { metrics: false } });
const inventory = mesh.service("inventory", {
  port: 8080,
  app: { build: { context: join(apps, "storefront") }, files: [{ path: NGINX_CONF_PATH, content: stockConf }] },
});
const catalog = mesh.service("catalog", {
  port: 8000,
  instances: 2,
  app: { build: { context: join(apps, "catalog") } },
  upstreams: [inventory],
  identity: { scopes: ["inventory:read"] },
});
const storefront = mesh.service("storefront", {
  port: 8080,
  app: { build: { context: join(apps, "storefront") }, files: [{ path: NGINX_CONF_PATH, content: nginxConf("127.0.0.1:8080") }] },
});
inventory.allow(catalog, { paths: ["/stock"], methods: ["GET"], scopes: ["inventory:read"] });
mesh.ingress("web", {
  listeners: [
    {
      port: 8080,
      routes: [
        { host: "shop.test", service: storefront },
        { host: "api.shop.test", service: catalog },
      ],
    },
  ],
});
const plan = compile(mesh);

describe("three services of the user's own, none the workload", () => {
  let m: StartedMesh;

  beforeAll(async () => {
    m = await startMesh(plan);
    await waitConverged(m);
  }, 600_000);

  afterAll(async () => {
    await m?.stop();
  });

  it("declares no workload and finds every instance passing in Consul", async () => {
    expect(plan.services.map((s) => s.app.kind)).toEqual(["build", "build", "build"]);
    for (const s of plan.services) expect((await catalogHealth(m, s.name)).map((i) => i.status)).toEqual(s.instances.map(() => "passing"));
  });

  it("balances the ingress's requests over both catalog instances", async () => {
    const results = [];
    for (let i = 0; i < 120; i++) {
      const r = await m.ingress().request({ host: "api.shop.test", path: "/" });
      results.push({
        status: r.status,
        startMs: i,
        latencyMs: 0,
        ...(r.headers["x-meshwright-endpoint"] ? { endpoint: r.headers["x-meshwright-endpoint"] } : {}),
      });
    }
    const sample = new TrafficSample("test process", "catalog", await attribute(m, results));
    expect(sample.byStatus()).toEqual({ 200: 120 });
    expect(sample).toBeUniform(["catalog-1", "catalog-2"]);
  });

  it("lets the catalog app's own token read the stock, and nothing else through", async () => {
    const cells: AuthCell[] = [];
    for (const id of ["catalog-1", "catalog-2"]) {
      const books = await m.instance(id).app("/books");
      const status = (JSON.parse(books.body || "{}") as { inventory?: { status?: number } }).inventory?.status;
      cells.push({ caller: `${id} (its own token)`, callee: "inventory", request: "GET /stock", expected: 200, actual: status ?? 0 });
    }
    const bearer = { authorization: `Bearer ${await m.tokenFor("catalog")}` };
    const from = m.instance("catalog-1");
    const cell = async (request: string, path: string, expected: number, opts = {}) =>
      cells.push({ caller: "catalog", callee: "inventory", request, expected, actual: (await from.call("inventory", path, opts)).status ?? 0 });
    await cell("GET /stock, catalog's token", "/stock", 200, { headers: bearer });
    await cell("GET /stock, no token", "/stock", 403);
    await cell("DELETE /stock, catalog's token", "/stock", 403, { method: "DELETE", headers: bearer });
    await cell("GET /index.html, catalog's token", "/index.html", 403, { headers: bearer });
    const storefrontCall = await m.instance("storefront-1").http("http://inventory-1:21000/stock", { timeoutMs: 3000 });
    cells.push({ caller: "storefront (no mTLS)", callee: "inventory-1:21000", request: "GET /stock", expected: 0, actual: storefrontCall.status ?? 0 });
    const wrong = mismatches(cells);
    if (wrong.length) throw new Error(`auth matrix differs (${wrong.length} cells):\n${formatAuthMatrix(cells)}`);
    console.info(formatAuthMatrix(cells));
  });
});
