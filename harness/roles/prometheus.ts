import type { MeshPlan } from "../../sdk";
import type { MeshContainer } from "../realize/mesh-container";

/** One series of an instant PromQL result. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The mesh's Prometheus, as the test process reaches it. */
export class PrometheusServer {
  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
  ) {}

  /** Base URL from the test process. */
  url(): string {
    const port = Number(new URL(this.plan.prometheus?.url ?? "http://prometheus:9090").port || 80);
    return `http://${this.container.getHost()}:${this.container.getMappedPort(port)}`;
  }

  /** An instant PromQL query. */
  async query(promql: string): Promise<PromSeries[]> {
    const res = await fetch(`${this.url()}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }
}
