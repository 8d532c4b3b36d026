import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { containerLogs } from "../docker/container-logs";
import { IMAGE_TAGS } from "../../toolchain/images/components";

/**
 * An Envoy sidecar bootstrapped by `consul connect envoy` from the instance's local agent.
 * `-ignore-envoy-compatibility` is required: Consul 1.16 lists Envoy 1.23–1.26 and the
 * PyPI wheels start at 1.36 (see toolchain/images/README.md for what that changes).
 */
export class SidecarContainer extends GenericContainer {
  constructor(serviceId: string, image: string = IMAGE_TAGS.sidecar) {
    super(image);
    this.withCommand(["-sidecar-for", serviceId, "-admin-bind", "127.0.0.1:19000", "-ignore-envoy-compatibility"])
      .withWaitStrategy(Wait.forLogMessage(/starting main dispatch loop/))
      .withStartupTimeout(60_000);
  }

  override async start(): Promise<StartedSidecarContainer> {
    return new StartedSidecarContainer(await super.start());
  }
}

/** A running sidecar. */
export class StartedSidecarContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** Envoy's log lines that say it refused configuration from Consul. */
  async rejectedConfig(): Promise<string[]> {
    const lines = await containerLogs(this.getId());
    return lines.filter((l) => /rejected|malformed|Invalid duration/i.test(l));
  }

  /** The deprecated Envoy fields its configuration uses, as Envoy names them. */
  async deprecatedFields(): Promise<string[]> {
    const lines = await containerLogs(this.getId());
    return [...new Set(lines.flatMap((l) => /Using deprecated option '([^']+)'/.exec(l)?.[1] ?? []))];
  }
}
