import type { StartedMesh } from "../realize/started-mesh";

import type { PromSeries } from "../roles/prometheus";

export type { PromSeries };

/** An instant PromQL query against the mesh's Prometheus. */
export function promQuery(mesh: StartedMesh, promql: string): Promise<PromSeries[]> {
  return mesh.prometheus.query(promql);
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
