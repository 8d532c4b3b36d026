import { AbstractStartedContainer, Wait, type StartedTestContainer } from "testcontainers";
import { SingleNetworkContainer } from "./single-network-container";
import { IMAGE_TAGS } from "../../toolchain/images/components";

const HTTP_PORT = 8500;

/**
 * A single Consul server with Connect, its CA and the UI on. Config entries passed with
 * {@link withConfigEntries} go in through Consul's own `config_entries.bootstrap`, so they
 * exist before any sidecar bootstraps (some proxy-defaults only take effect at bootstrap).
 */
export class ConsulServerContainer extends SingleNetworkContainer {
  private config: Record<string, unknown> = {
    datacenter: "dc1",
    node_name: "consul",
    server: true,
    bootstrap_expect: 1,
    data_dir: "/consul/data",
    client_addr: "0.0.0.0",
    bind_addr: '{{ GetInterfaceIP "eth0" }}',
    ui_config: { enabled: true },
    connect: { enabled: true },
    ports: { grpc: 8502 },
    disable_update_check: true,
    acl: { enabled: false, default_policy: "deny" },
  };

  constructor(image: string = IMAGE_TAGS.consul) {
    super(image);
    this.withNetworkAliases("consul")
      .withExposedPorts(HTTP_PORT)
      .withWaitStrategy(Wait.forLogMessage(/agent: Synced node info/))
      .withStartupTimeout(60_000);
  }

  /** Agent configuration merged over the defaults (Consul's JSON agent config). */
  withConfig(config: Record<string, unknown>): this {
    this.config = { ...this.config, ...config };
    return this;
  }

  /** Config entries (Consul JSON casing) written when the server first gains leadership. */
  withConfigEntries(entries: readonly object[]): this {
    this.config = { ...this.config, config_entries: { bootstrap: entries } };
    return this;
  }

  override async start(): Promise<StartedConsulServerContainer> {
    this.withCopyContentToContainer([{ content: JSON.stringify(this.config, null, 2), target: "/consul/config/server.json" }]);
    this.withCommand(["agent", "-config-file=/consul/config/server.json"]);
    return new StartedConsulServerContainer(await super.start());
  }
}

/** A running Consul server. */
export class StartedConsulServerContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** Base URL of the HTTP API as seen from the test process. */
  httpUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(HTTP_PORT)}`;
  }

  /** GET a path of the HTTP API and parse its JSON. */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.httpUrl()}${path}`);
    if (!res.ok) throw new Error(`Consul ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}
