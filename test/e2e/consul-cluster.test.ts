/**
 * A three-server Consul cluster (`consul: { servers: 3 }`) on real containers: the servers
 * form one Raft cluster with one leader, each with its Raft state on a named volume of the
 * run. The leader killed under a paced stream: a new leader is elected (the time is printed),
 * no request fails, and a config entry written after the election reaches the sidecars. The
 * killed server started again rejoins with its own state. And a server container removed and
 * created anew from its image keeps its identity and Raft state: they were on its volume, not
 * in the container.
 *
 * Also prints how long the servers took to become healthy against a one-server mesh's.
 */
import { getContainerRuntimeClient } from "testcontainers";
import { inflict } from "../../harness/probes/chaos";
import { eventually } from "../../harness/probes/eventually";
import { sendTraffic } from "../../harness/probes/traffic";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { consulRequest, type ConsulApi } from "../../harness/realize/consul-acl";
import { compile, Mesh, type ConfigEntry, type MeshPlan } from "../../sdk";

function declare(servers?: number): MeshPlan {
  const mesh = new Mesh("cluster", servers === undefined ? {} : { consul: { servers } });
  const api = mesh.service("api", { instances: 2 });
  const web = mesh.service("web", { upstreams: [api] });
  api.allow(web);
  return compile(mesh);
}
const plan = declare(3);
const SERVERS = plan.consul.servers.map((s) => s.container);

/** When each Consul server was healthy (seconds into startMesh), from startMesh's log. */
function healthyAt(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const m = /^\s*(\S+) \(consul-server\) healthy at ([\d.]+)s/.exec(l);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

describe("a three-server Consul cluster", () => {
  let running: StartedMesh | undefined;
  const m = () => running!;
  const startLog: string[] = [];
  /** Images the test committed, removed after the mesh (a container still running one keeps it). */
  const committed: string[] = [];

  /** One server's own API (not whichever the harness's role picks), at its published port. */
  function apiOf(server: string, port = m().container(server).getMappedPort(plan.consul.server.httpPort)): ConsulApi {
    return { url: `http://${m().container(server).getHost()}:${port}`, token: m().consul.token };
  }

  /** A server's node ID: Consul writes it once into the data dir and reads it from there after. */
  async function nodeId(api: ConsulApi): Promise<string> {
    const r = await consulRequest<{ Config: { NodeID: string } }>(api, "GET", "/v1/agent/self");
    if (r.status !== 200 || !r.body) throw new Error(`agent/self: ${r.status} ${r.text.trim()}`);
    return r.body.Config.NodeID;
  }

  /** The Raft peers one server knows of (`?stale`: its own copy), as `node=id`. */
  async function raftPeers(api: ConsulApi): Promise<string[]> {
    const r = await consulRequest<{ Servers: { Node: string; ID: string; Voter: boolean }[] }>(api, "GET", "/v1/operator/raft/configuration?stale");
    if (r.status !== 200 || !r.body) throw new Error(`raft configuration: ${r.status} ${r.text.trim()}`);
    return r.body.Servers.filter((s) => s.Voter)
      .map((s) => `${s.Node}=${s.ID}`)
      .sort();
  }

  async function writeEntry(entry: ConfigEntry): Promise<void> {
    const r = await consulRequest(m().consul.api(), "PUT", "/v1/config", entry);
    if (r.status !== 200 || r.text.trim() !== "true") throw new Error(`writing ${entry.Kind}/${entry.Name}: ${r.status} ${r.text.trim()}`);
  }

  /** The `api` cluster's connect timeout in web-1's Envoy. */
  async function connectTimeout(): Promise<string | undefined> {
    const dump = JSON.parse(await m().envoyAdmin("web-1", "/config_dump?resource=dynamic_active_clusters")) as {
      configs: { cluster: { name: string; connect_timeout?: string } }[];
    };
    return dump.configs.find((c) => c.cluster.name.startsWith("api."))?.cluster.connect_timeout;
  }

  beforeAll(async () => {
    running = await startMesh(plan, { log: (l) => startLog.push(l) });
    await waitConverged(running);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    for (const id of committed)
      await docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it("forms one Raft cluster of three voters with one leader, each server's data dir on a named volume of the run", async () => {
    const peers = await m().consul.peers();
    expect(peers.map((p) => p.node).sort()).toEqual([...SERVERS].sort());
    expect(peers.every((p) => p.voter)).toBe(true);
    expect(peers.filter((p) => p.leader).map((p) => p.node)).toEqual([await m().consul.leader()]);
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    for (const server of SERVERS) {
      const { Mounts } = await docker.getContainer(m().container(server).getId()).inspect();
      expect(Mounts.filter((x) => x.Destination === "/consul/data").map((x) => [x.Type, x.Name])).toEqual([["volume", `${m().runId}-${server}-data`]]);
    }
  });

  it("reports how long three servers take to become healthy against one (printed)", async () => {
    const lines: string[] = [];
    const single = await startMesh(declare(), { only: ["consul"], log: (l) => lines.push(l) });
    try {
      expect(await single.consul.peers()).toHaveLength(1);
    } finally {
      await single.stop();
    }
    const cluster = healthyAt(startLog);
    const one = healthyAt(lines);
    expect(Object.keys(cluster).sort()).toEqual([...SERVERS].sort());
    console.info(
      `Consul healthy (ACLs written) after: 3 servers ${SERVERS.map((s) => `${s} ${cluster[s]} s`).join(", ")}; 1 server ${one["consul"]} s (seconds into startMesh)`,
    );
  }, 120_000);

  it("elects a new leader when the leader is killed, serves every request meanwhile, takes a change after the election, and lets the old leader rejoin with its state", async () => {
    const old = await m().consul.leader();
    const oldId = await nodeId(apiOf(old));
    const before = await raftPeers(apiOf(old));
    const load = sendTraffic(m(), "web-1", "api", { count: 800, qps: 100, concurrency: 4, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 1000));
    await inflict(m(), old, "kill");
    const t0 = Date.now();
    const leader = await eventually(
      async () => {
        const now = await m().consul.leader();
        if (now === old) throw new Error(`${old} still leads`);
        return now;
      },
      { what: `a Consul leader other than ${old}`, timeoutMs: 60_000, intervalMs: 100 },
    );
    const electedMs = Date.now() - t0;
    const sample = await load;
    const failed = sample.results.filter((r) => r.status !== 200);
    expect(failed.slice(0, 3)).toEqual([]);
    expect(sample.results).toHaveLength(800);
    expect(new Set(sample.results.map((r) => r.instance))).toEqual(new Set(["api-1", "api-2"]));
    expect((await m().consul.peers()).filter((p) => p.leader).map((p) => p.node)).toEqual([leader]);

    // Written through a surviving server after the election; it reaches web-1's Envoy.
    const resolver = plan.consul.configEntries.find((e) => e.Kind === "service-resolver" && e.Name === "api");
    expect(await connectTimeout()).not.toBe("1.250s");
    await writeEntry({ ...(resolver ?? { Kind: "service-resolver", Name: "api" }), ConnectTimeout: "1.25s" });
    await eventually(async () => expect(await connectTimeout()).toBe("1.250s"), {
      what: "the resolver written after the election in web-1's Envoy",
      timeoutMs: 30_000,
    });

    const t1 = Date.now();
    await inflict(m(), old, "start");
    await eventually(
      async () => {
        const api = apiOf(old);
        expect(await raftPeers(api)).toEqual(before);
        const r = await consulRequest<{ ConnectTimeout?: string }>(api, "GET", "/v1/config/service-resolver/api?stale");
        expect(r.body?.ConnectTimeout).toBe("1.25s");
      },
      { what: `${old} back among three voters, with the change made without it`, timeoutMs: 90_000 },
    );
    const rejoinedMs = Date.now() - t1;
    expect(await nodeId(apiOf(old))).toBe(oldId);
    if (resolver) await writeEntry(resolver);
    console.info(
      `leader ${old} killed: ${leader} elected in ${electedMs} ms; ${sample.results.length} requests, ${failed.length} failed; ${old} rejoined and caught up ${rejoinedMs} ms after its start`,
    );
  }, 180_000);

  it("keeps a server's identity and Raft state when its container is removed and created anew: they are on its volume", async () => {
    // The first server: the harness's Consul role calls it first, so this also shows the role
    // going on without it.
    const server = SERVERS[0]!;
    const api = apiOf(server);
    const id = await nodeId(api);
    const peers = await raftPeers(api);
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const old = docker.getContainer(m().container(server).getId());
    const info = await old.inspect();
    await inflict(m(), server, "stop");
    // Another write while it is gone, which it must learn from the others; if it led, the write
    // waits for the election of its successor (until then Consul answers 500, no leader).
    await eventually(
      async () => {
        const put = await consulRequest(m().consul.api(), "PUT", "/v1/kv/meshwright-test/written", "while-away");
        expect([put.status, put.text.trim()]).toEqual([200, "true"]);
      },
      { what: `a write to the cluster without ${server}`, timeoutMs: 30_000, intervalMs: 200 },
    );
    // The image plus the files the harness copied in (config, certificates); a commit leaves
    // out what is on volumes, and `v: true` removes the container's anonymous volumes.
    const image = ((await old.commit({ repo: `${m().runId}-recreate`, tag: server })) as { Id: string }).Id;
    committed.push(image);
    await old.remove({ v: true });
    const spec = plan.containers.find((c) => c.name === server)!;
    const [network] = Object.keys(info.NetworkSettings.Networks);
    const created = await docker.createContainer({
      name: info.Name.replace(/^\//, ""),
      Image: image,
      Entrypoint: info.Config.Entrypoint,
      Cmd: info.Config.Cmd,
      Env: info.Config.Env,
      Labels: info.Config.Labels,
      ExposedPorts: info.Config.ExposedPorts,
      Healthcheck: info.Config.Healthcheck,
      HostConfig: info.HostConfig,
      NetworkingConfig: { EndpointsConfig: { [network!]: { Aliases: spec.networkAliases } } },
    });
    const t0 = Date.now();
    await created.start();
    const port = Number((await created.inspect()).NetworkSettings.Ports[`${plan.consul.server.httpPort}/tcp`]![0]!.HostPort);
    const fresh = apiOf(server, port);
    expect(created.id).not.toBe(info.Id);
    await eventually(
      async () => {
        expect(await raftPeers(fresh)).toEqual(peers);
        const r = await consulRequest(fresh, "GET", "/v1/kv/meshwright-test/written?stale&raw");
        expect(r.text).toBe('"while-away"'); // consulRequest sends its body as JSON
      },
      { what: `the recreated ${server} back among three voters, caught up`, timeoutMs: 90_000 },
    );
    const rejoinedMs = Date.now() - t0;
    expect(await nodeId(fresh)).toBe(id);
    // Raft read its state from the volume: an empty data dir starts at index 0 with no servers.
    const logs = (await created.logs({ stdout: true, stderr: true })).toString("utf8");
    const initial = /initial configuration: index=(\d+)/.exec(logs);
    expect(initial).not.toBeNull();
    expect(Number(initial![1])).toBeGreaterThan(0);
    console.info(`${server} recreated from its volume: same node ID, Raft resumed at index ${initial![1]}, caught up ${rejoinedMs} ms after its start`);
  }, 180_000);
});
