/**
 * The harness's connections to a mesh's Consul: both clients (the `consul` npm client and
 * `consulRequest`) share one bounded keep-alive pool per ConsulServer, counted. Against a
 * local HTTP server standing in for Consul's API.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { consulRequest } from "../../../harness/realize/consul-acl";
import type { MeshContainer } from "../../../harness/realize/mesh-container";
import { CONSUL_MAX_CONNECTIONS, ConsulServer } from "../../../harness/roles/consul-server";
import type { MeshPlan } from "../../../sdk";

/** A fake Consul API: answers every request after a few ms, counting connections and requests in flight. */
function fakeConsul() {
  const sockets = new Set<Socket>();
  const seen = { connections: 0, inFlight: 0, maxInFlight: 0, tokens: new Set<string>() };
  const server = http.createServer((req, res) => {
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    seen.tokens.add(String(req.headers["x-consul-token"]));
    req.resume();
    req.on("end", () =>
      setTimeout(() => {
        seen.inFlight--;
        res.setHeader("content-type", "application/json");
        res.end(req.url?.startsWith("/v1/health/service/") ? "[]" : JSON.stringify({ path: req.url, method: req.method }));
      }, 3),
    );
  });
  server.on("connection", (s: Socket) => {
    seen.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return { server, sockets, seen };
}

describe("ConsulServer's connection pool", () => {
  const fake = fakeConsul();
  let port = 0;
  const consulOf = () =>
    new ConsulServer(
      { consul: { server: { httpPort: 8500 } } } as unknown as MeshPlan,
      () => [{ name: "consul", container: { getHost: () => "127.0.0.1", getMappedPort: () => port } as unknown as MeshContainer }],
      "management-token",
    );

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    port = (fake.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    fake.server.closeAllConnections();
    await new Promise((resolve) => fake.server.close(resolve));
  });

  it("carries 400 concurrent calls of both clients on at most CONSUL_MAX_CONNECTIONS connections, and counts them", async () => {
    const consul = consulOf();
    const before = fake.seen.connections;
    const calls = Array.from({ length: 400 }, (_, i) =>
      i % 2 ? consulRequest<{ path: string }>(consul.api(), "GET", `/v1/config/service-defaults/s${i}`) : consul.client().health.service(`s${i}`),
    );
    const answers = await Promise.all(calls);
    expect(answers.filter((a, i) => (i % 2 ? (a as { status: number }).status === 200 : Array.isArray(a))).length).toBe(400);
    const opened = fake.seen.connections - before;
    expect(opened).toBe(CONSUL_MAX_CONNECTIONS);
    expect(consul.connectionsOpened).toBe(opened);
    expect(fake.seen.maxInFlight).toBe(CONSUL_MAX_CONNECTIONS);
    expect([...fake.seen.tokens]).toEqual(["management-token"]);

    // Kept alive: later calls reuse them.
    await Promise.all(Array.from({ length: 50 }, () => consul.configEntry("service-defaults", "again")));
    expect(consul.connectionsOpened).toBe(CONSUL_MAX_CONNECTIONS);

    consul.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.sockets.size).toBe(0);
  });

  it("sends a JSON body, and works without a pool (ACL bootstrap, before the mesh's ConsulServer exists)", async () => {
    const r = await consulRequest<{ path: string; method: string }>({ url: `http://127.0.0.1:${port}`, token: "t" }, "PUT", "/v1/acl/token", { A: 1 });
    expect(r).toMatchObject({ status: 200, body: { path: "/v1/acl/token", method: "PUT" } });
  });

  it("rejects when nothing answers", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await expect(consulRequest({ url, token: "t" }, "GET", "/v1/acl/token/self")).rejects.toThrow(/ECONNREFUSED/);
  });
});
