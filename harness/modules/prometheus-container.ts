import { AbstractStartedContainer, Wait, type StartedTestContainer } from "testcontainers";
import { SingleNetworkContainer } from "./single-network-container";
import { IMAGE_TAGS } from "../../toolchain/images/components";

const PORT = 9090;

/** Prometheus with a given configuration (JSON is valid YAML, so an object is enough). */
export class PrometheusContainer extends SingleNetworkContainer {
  private config: object = { global: { scrape_interval: "5s" } };

  constructor(image: string = IMAGE_TAGS.prometheus) {
    super(image);
    this.withNetworkAliases("prometheus")
      .withExposedPorts(PORT)
      .withWaitStrategy(Wait.forHttp("/-/ready", PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** The whole prometheus.yml, as an object. */
  withConfig(config: object): this {
    this.config = config;
    return this;
  }

  override async start(): Promise<StartedPrometheusContainer> {
    this.withCopyContentToContainer([{ content: JSON.stringify(this.config, null, 2), target: "/etc/prometheus/prometheus.yml" }]);
    return new StartedPrometheusContainer(await super.start());
  }
}

/** One target from `/api/v1/targets`. */
export interface ScrapeTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

/** A running Prometheus. */
export class StartedPrometheusContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  url(): string {
    return `http://${this.getHost()}:${this.getMappedPort(PORT)}`;
  }

  /** Active scrape targets. */
  async targets(): Promise<ScrapeTarget[]> {
    const body = (await (await fetch(`${this.url()}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: ScrapeTarget[] } };
    return body.data.activeTargets;
  }

  /** An instant PromQL query. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${this.url()}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result;
  }
}
