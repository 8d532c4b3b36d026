import Consul from "consul";
import type { ConfigEntry, MeshPlan } from "../../sdk";
import { consulRequest, type ConsulApi } from "../realize/consul-acl";
import type { MeshContainer } from "../realize/mesh-container";

/** The mesh's Consul server, as the test process reaches it (published HTTP port, management token). */
export class ConsulServer {
  private cached?: Consul;

  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
    /** The management token of this mesh. */
    readonly token: string,
  ) {}

  /** Base URL of the HTTP API from the test process. */
  url(): string {
    return `http://${this.container.getHost()}:${this.container.getMappedPort(this.plan.consul.server.httpPort)}`;
  }

  /** Where and with which token to call the API. */
  api(): ConsulApi {
    return { url: this.url(), token: this.token };
  }

  /**
   * The `consul` npm client with the management token, one per mesh: a client per call opened
   * a keep-alive pool each, and Consul refused the 200th ("too many concurrent connections").
   */
  client(): Consul {
    if (!this.cached) {
      const url = new URL(this.url());
      this.cached = new Consul({ host: url.hostname, port: Number(url.port), defaults: { token: this.token } });
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
}
