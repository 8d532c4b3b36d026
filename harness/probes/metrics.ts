import type { StartedMesh } from "../realize/started-mesh";

/** One series of an instant PromQL result. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** An instant PromQL query against the mesh's Prometheus. */
export async function promQuery(mesh: StartedMesh, promql: string): Promise<PromSeries[]> {
  const res = await fetch(`${mesh.prometheusUrl()}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** The value of each series keyed by one label (e.g. `instance`). */
export async function promByLabel(mesh: StartedMesh, promql: string, label: string): Promise<Record<string, number>> {
  return Object.fromEntries((await promQuery(mesh, promql)).map((s) => [s.metric[label] ?? "", s.value]));
}

/** Prometheus' active scrape targets: job, instance label and health. */
export async function scrapeTargets(mesh: StartedMesh): Promise<{ job: string; instance: string; health: string; lastError: string }[]> {
  const body = (await (await fetch(`${mesh.prometheusUrl()}/api/v1/targets?state=active`)).json()) as {
    data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
  };
  return body.data.activeTargets.map((t) => ({ job: t.labels.job ?? "", instance: t.labels.instance ?? "", health: t.health, lastError: t.lastError }));
}
