/**
 * The harness's connections to a mesh's Consul stay bounded: every harness call (the `consul`
 * npm client's and `consulRequest`'s, `waitConverged`'s own included) goes through the mesh's
 * one keep-alive pool of CONSUL_MAX_CONNECTIONS. Consul answers 429 to a client address that
 * holds more than `http_max_conns_per_client` (200) connections at a time, which a harness with
 * a pool per call, or an unbounded one under concurrent probes, reached.
 */
import { catalogHealth } from "../../harness/probes/discovery";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { CONSUL_MAX_CONNECTIONS } from "../../harness/roles/consul-server";
import { Mesh } from "../../sdk";

/** Ten services, one instance each: a call chain, and pay failing over to pay-dr. */
function tenServices(): Mesh {
  const mesh = new Mesh("consul-connections", { telemetry: { metrics: false } });
  const audit = mesh.service("audit");
  const notify = mesh.service("notify", { upstreams: [audit] });
  const payDr = mesh.service("pay-dr", { upstreams: [notify] });
  const pay = mesh.service("pay", { upstreams: [notify], failover: { service: payDr } });
  const stock = mesh.service("stock");
  const pricing = mesh.service("pricing");
  const cart = mesh.service("cart", { upstreams: [pricing, stock, pay] });
  const search = mesh.service("search", { upstreams: [stock] });
  const account = mesh.service("account", { upstreams: [pay] });
  const web = mesh.service("web", { upstreams: [cart, search, account] });
  audit.allow(notify);
  notify.allow(pay).allow(payDr);
  for (const s of [pricing, stock]) s.allow(cart);
  stock.allow(search);
  for (const s of [pay, payDr]) s.allow(cart).allow(account);
  for (const s of [cart, search, account]) s.allow(web);
  return mesh;
}

/** Runs `calls` with at most `concurrency` in flight; the outcome of each, in order. */
async function pooled<T>(calls: readonly (() => Promise<T>)[], concurrency: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(calls.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < calls.length; i = next++) {
      try {
        out[i] = { status: "fulfilled", value: await calls[i]!() };
      } catch (reason) {
        out[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

describe("connections to Consul on a 10-service mesh", () => {
  let mesh: StartedMesh | undefined;

  beforeAll(async () => {
    mesh = await startMesh(tenServices(), { log: (l) => process.stdout.write(`${l}\n`) });
    await waitConverged(mesh);
  }, 400_000);

  afterAll(async () => {
    await mesh?.stop();
  });

  it("makes 2,000 calls to Consul, 20 at a time, on at most CONSUL_MAX_CONNECTIONS connections, none refused", async () => {
    const m = mesh!;
    const afterConverge = m.consul.connectionsOpened;
    const services = m.plan.services.map((s) => s.name);
    // Half through the consul npm client (catalog health), half through consulRequest (config entries).
    const calls = Array.from({ length: 2_000 }, (_, i) => {
      const service = services[i % services.length]!;
      return i % 2
        ? async () => ((await m.consul.configEntry("service-defaults", service)) ? 200 : 404)
        : async () => ((await catalogHealth(m, service)).length === 1 ? 200 : 404);
    });
    const t0 = Date.now();
    const outcomes = await pooled(calls, 20);
    const ms = Date.now() - t0;

    const refused = outcomes.filter((o) => o.status === "rejected" && /429|too many/i.test(`${(o.reason as { statusCode?: number }).statusCode} ${o.reason}`));
    const failed = outcomes.filter((o) => o.status === "rejected" || o.value !== 200);
    console.info(
      `2,000 Consul calls, 20 at a time, in ${ms} ms: ${m.consul.connectionsOpened} connections opened in all (${afterConverge} of them by waitConverged), bound ${CONSUL_MAX_CONNECTIONS}; ${failed.length} failed, ${refused.length} with 429`,
    );
    expect(refused).toEqual([]);
    expect(failed).toEqual([]);
    expect(m.consul.connectionsOpened).toBeGreaterThan(0);
    expect(m.consul.connectionsOpened).toBeLessThanOrEqual(CONSUL_MAX_CONNECTIONS);
  });
});
