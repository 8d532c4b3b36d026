import Consul from "consul";
import { getContainerRuntimeClient } from "testcontainers";
import http, { type ClientRequestArgs } from "node:http";
import type { Duplex } from "node:stream";
import type { ConfigEntry, MeshPlan } from "../../sdk";
import { consulRequest, type ConsulApi } from "../realize/consul-acl";
import type { MeshContainer } from "../realize/mesh-container";

/**
 * Most connections the harness holds open to one mesh's Consul server at once. Consul answers
 * 429 to a client address that opens more than `http_max_conns_per_client` (200) at a time;
 * with a per-call pool, or an unbounded one under concurrent probes, the harness got there.
 * Requests beyond this many wait in the pool's queue.
 */
export const CONSUL_MAX_CONNECTIONS = 8;

/** A keep-alive agent that counts the sockets it opens. */
class CountingAgent extends http.Agent {
  opened = 0;

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.opened++;
    return super.createConnection(options, callback);
  }
}

/**
 * The mesh's Consul servers, as the test process reaches them (published HTTP port, management
 * token): calls go to the first server the harness has not taken down (`inflict`), so a test
 * can stop or kill any server, the first and the leader included, and go on using this role.
 */
export class ConsulServer {
  private cached?: { url: string; client: Consul };
  private readonly pool = new CountingAgent({ keepAlive: true, maxSockets: CONSUL_MAX_CONNECTIONS, maxTotalSockets: CONSUL_MAX_CONNECTIONS });

  constructor(
    private readonly plan: MeshPlan,
    /** The server containers the harness has not taken down, in plan order. */
    private readonly liveServers: () => readonly { readonly name: string; readonly container: MeshContainer }[],
    /** The management token of this mesh. */
    readonly token: string,
  ) {}

  /** The server calls go to now. */
  private live(): { readonly name: string; readonly container: MeshContainer } {
    const up = this.liveServers()[0];
    if (!up) throw new Error(`mesh ${this.plan.mesh.name}: every Consul server (${this.plan.consul.servers.map((s) => s.container).join(", ")}) is down`);
    return up;
  }

  /** Base URL of a server's HTTP API from the test process. */
  private urlOf(container: MeshContainer): string {
    return `http://${container.getHost()}:${container.getMappedPort(this.plan.consul.server.httpPort)}`;
  }

  /**
   * TCP connections opened to this Consul server through the mesh's pool so far: every call of
   * {@link client} and of `consulRequest` with {@link api} (catalog and health probes, config
   * entries, `waitConverged`). Not counted: the ACL bootstrap while the mesh starts, which runs
   * before this pool exists. Stays at most {@link CONSUL_MAX_CONNECTIONS} while Consul keeps
   * idle connections open; more means connections were closed and opened again.
   */
  get connectionsOpened(): number {
    return this.pool.opened;
  }

  /** Base URL of the HTTP API from the test process: the first server that is up. */
  url(): string {
    return this.urlOf(this.live().container);
  }

  /**
   * The plan name of the server that leads the Raft cluster now (from `/v1/status/leader`,
   * matched to the servers' addresses on the mesh network); throws while there is none.
   */
  async leader(): Promise<string> {
    const r = await consulRequest<string>(this.api(), "GET", "/v1/status/leader");
    const address = (r.body ?? "").replace(/:\d+$/, "");
    if (r.status !== 200 || !address) throw new Error(`no Consul leader (${r.status} ${r.text.trim() || "no address"})`);
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    for (const s of this.plan.consul.servers) {
      const found = this.liveServers().find((x) => x.name === s.container);
      if (!found) continue;
      const info = await docker.getContainer(found.container.getId()).inspect();
      if (Object.values(info.NetworkSettings.Networks ?? {}).some((n) => n.IPAddress === address)) return s.container;
    }
    throw new Error(`the Consul leader ${address} is none of the live servers`);
  }

  /** The Raft peers' node names as the live server sees them (`operator/raft/configuration`). */
  async peers(): Promise<{ node: string; leader: boolean; voter: boolean }[]> {
    const r = await consulRequest<{ Servers: { Node: string; Leader: boolean; Voter: boolean }[] }>(this.api(), "GET", "/v1/operator/raft/configuration");
    if (r.status !== 200 || !r.body) throw new Error(`Raft configuration: ${r.status} ${r.text.trim()}`);
    return r.body.Servers.map((s) => ({ node: s.Node, leader: s.Leader, voter: s.Voter }));
  }

  /** Where and with which token to call the API, through the mesh's connection pool. */
  api(): ConsulApi {
    return { url: this.url(), token: this.token, agent: this.pool };
  }

  /**
   * The `consul` npm client with the management token, one per mesh, on the mesh's connection
   * pool: a client per call opened a keep-alive pool each, and Consul refused the 200th ("too
   * many concurrent connections").
   */
  client(): Consul {
    const now = this.url();
    if (this.cached?.url !== now) {
      const url = new URL(now);
      this.cached = { url: now, client: new Consul({ host: url.hostname, port: Number(url.port), defaults: { token: this.token }, agent: this.pool }) };
    }
    return this.cached.client;
  }

  /** A config entry as Consul holds it now; undefined when it does not exist. */
  async configEntry(kind: ConfigEntry["Kind"], name: string): Promise<Record<string, unknown> | undefined> {
    const r = await consulRequest<Record<string, unknown>>(this.api(), "GET", `/v1/config/${kind}/${encodeURIComponent(name)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200 || !r.body) throw new Error(`reading ${kind}/${name} from Consul: ${r.status} ${r.text.trim()}`);
    return r.body;
  }

  /** Closes the pool's connections (the mesh is stopping); calls after this open new ones. */
  close(): void {
    this.pool.destroy();
  }
}
