import { AbstractStartedContainer, Wait, type StartedTestContainer } from "testcontainers";
import { SingleNetworkContainer } from "./single-network-container";
import { IMAGE_TAGS } from "../../toolchain/images/components";

/**
 * A Consul client agent that owns an instance's network namespace, like a pod's
 * infrastructure container: the app and its sidecar join it. Its service registration
 * gets the instance's real address, its checks run locally, and an app restart does
 * not orphan the sidecar's namespace.
 */
export class ConsulAgentContainer extends SingleNetworkContainer {
  private readonly config: Record<string, unknown>;

  /** @param nodeName the instance's name; also its DNS alias on the mesh network. */
  constructor(readonly nodeName: string, image: string = IMAGE_TAGS.consul) {
    super(image);
    this.config = {
      datacenter: "dc1",
      node_name: nodeName,
      data_dir: "/consul/data",
      bind_addr: '{{ GetInterfaceIP "eth0" }}',
      client_addr: "127.0.0.1",
      retry_join: ["consul"],
      ports: { grpc: 8502 },
      disable_update_check: true,
      // With ACLs off, Consul still takes the intention default from acl.default_policy:
      // "deny" makes Envoy's RBAC an allow-list, which JWT requirements need to bite.
      acl: { enabled: false, default_policy: "deny" },
      services: [] as object[],
    };
    // No fixed container name: two meshes (or two test runs) may have the same instances.
    this.withNetworkAliases(nodeName)
      .withWaitStrategy(Wait.forLogMessage(/agent: Synced service/))
      .withStartupTimeout(60_000);
  }

  /** A service definition (Consul agent JSON), e.g. with `connect.sidecar_service`. */
  withService(definition: object): this {
    (this.config.services as object[]).push(definition);
    return this;
  }

  override async start(): Promise<StartedConsulAgentContainer> {
    this.withCopyContentToContainer([{ content: JSON.stringify(this.config, null, 2), target: "/consul/config/agent.json" }]);
    this.withCommand(["agent", "-config-file=/consul/config/agent.json"]);
    return new StartedConsulAgentContainer(await super.start());
  }
}

/** A running client agent; the network namespace other containers of the instance join. */
export class StartedConsulAgentContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** The `network_mode` that joins this agent's namespace. */
  networkMode(): string {
    return `container:${this.getId()}`;
  }
}
