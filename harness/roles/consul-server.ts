import Consul from "consul";
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

/** The mesh's Consul server, as the test process reaches it (published HTTP port, management token). */
export class ConsulServer {
  private cached?: Consul;
  private readonly pool = new CountingAgent({ keepAlive: true, maxSockets: CONSUL_MAX_CONNECTIONS, maxTotalSockets: CONSUL_MAX_CONNECTIONS });

  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
    /** The management token of this mesh. */
    readonly token: string,
  ) {}

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

  /** Base URL of the HTTP API from the test process. */
  url(): string {
    return `http://${this.container.getHost()}:${this.container.getMappedPort(this.plan.consul.server.httpPort)}`;
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
    if (!this.cached) {
      const url = new URL(this.url());
      this.cached = new Consul({ host: url.hostname, port: Number(url.port), defaults: { token: this.token }, agent: this.pool });
    }
    return this.cached;
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
