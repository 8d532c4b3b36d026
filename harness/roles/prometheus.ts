import type { MeshPlan } from "../../sdk";
import { publishedUrl, type MeshContainer } from "../realize/mesh-container";

/** One series of an instant PromQL result. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One active scrape target. */
export interface ScrapeTarget {
  readonly job: string;
  /** The target's `instance` label (the plan's instance id, after the plan's relabelling). */
  readonly instance: string;
  readonly health: "up" | "down" | "unknown";
  readonly lastError: string;
}

/** The mesh's Prometheus, as the test process reaches it. */
export class PrometheusServer {
  constructor(
    private readonly plan: MeshPlan,
    private readonly container: MeshContainer,
  ) {}

  /** Base URL from the test process. */
  url(): string {
    const planned = this.plan.prometheus;
    if (!planned) throw new Error(`mesh ${this.plan.mesh.name} has no Prometheus (telemetry.metrics is off)`);
    return publishedUrl(this.container, planned.url);
  }

  /** An instant PromQL query. */
  async query(promql: string): Promise<PromSeries[]> {
    const res = await fetch(`${this.url()}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The targets Prometheus scrapes now (what its service discovery found). */
  async targets(): Promise<ScrapeTarget[]> {
    const res = await fetch(`${this.url()}/api/v1/targets?state=active`);
    if (!res.ok) throw new Error(`Prometheus targets: HTTP ${res.status}`);
    const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: ScrapeTarget["health"]; lastError: string }[] } };
    return body.data.activeTargets.map((t) => ({ job: t.labels.job ?? "", instance: t.labels.instance ?? "", health: t.health, lastError: t.lastError }));
  }
}
