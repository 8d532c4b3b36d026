import type { StartedMesh } from "../realize/started-mesh";

import type { PromSeries, ScrapeTarget } from "../roles/prometheus";

export type { PromSeries, ScrapeTarget };

/** An instant PromQL query against the mesh's Prometheus. */
export function promQuery(mesh: StartedMesh, promql: string): Promise<PromSeries[]> {
  return mesh.prometheus.query(promql);
}

/** The value of each series keyed by one label (e.g. `instance`). */
export async function promByLabel(mesh: StartedMesh, promql: string, label: string): Promise<Record<string, number>> {
  return Object.fromEntries((await promQuery(mesh, promql)).map((s) => [s.metric[label] ?? "", s.value]));
}

/** Prometheus' active scrape targets: job, instance label and health. */
export function scrapeTargets(mesh: StartedMesh): Promise<ScrapeTarget[]> {
  return mesh.prometheus.targets();
}
