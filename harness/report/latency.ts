import type { LatencySection, LatencySeries } from "./sections";

/** The percentiles a latency curve shows unless told otherwise. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 75, 90, 95, 99, 99.9];

/**
 * A latency curve from raw latencies (ms): the nearest-rank percentile for each of
 * `percentiles` (the same rank `TrafficSample.latencyMs` uses). No latencies, no points.
 */
export function latencySeries(name: string, latenciesMs: readonly number[], percentiles: readonly number[] = DEFAULT_PERCENTILES): LatencySeries {
  const sorted = latenciesMs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return { name, points: [] };
  return {
    name,
    // The rank rounded first: 99.9 % of 1000 is 999, not 999.0000000000001.
    points: percentiles.map((p) => ({
      percentile: p,
      ms: sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(Number(((p / 100) * sorted.length).toFixed(9))) - 1))]!,
    })),
  };
}

/** Keys a bench may name a percentile by, and the percentile each means. */
const PERCENTILE_KEYS: readonly [string, number][] = [
  ["p50", 50],
  ["p75", 75],
  ["p90", 90],
  ["p95", 95],
  ["p99", 99],
  ["p99_9", 99.9],
  ["p999", 99.9],
  ["p99.9", 99.9],
];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function percentilesOf(result: unknown): LatencySeries["points"] {
  if (!isObject(result)) return [];
  const l = [result["latencies_ms"], result["latency"], result["latencyMs"]].find(isObject);
  if (!l) return [];
  const seen = new Set<number>();
  const points: { percentile: number; ms: number }[] = [];
  for (const [key, percentile] of PERCENTILE_KEYS) {
    const ms = l[key];
    if (typeof ms === "number" && Number.isFinite(ms) && !seen.has(percentile)) {
      seen.add(percentile);
      points.push({ percentile, ms });
    }
  }
  return points;
}

/**
 * Latency curves from a bench's JSON (`bench/results/mesh.json`): one section per cell, a
 * curve per path (`direct`, `mesh`). Reads the CNCF Service Mesh Performance shape the mesh
 * bench writes — `tests[]` (at the top or under `latency`), each with `config.name` and
 * `results.<path>.latencies_ms` (or `latency`) holding `p50`, `p90`, `p99`, `p99_9` — and
 * skips what it does not recognise, so an unknown file gives no sections rather than wrong ones.
 */
export function latencyFromBench(doc: unknown, title = "bench latency"): LatencySection[] {
  const tests = [isObject(doc) ? doc["tests"] : undefined, isObject(doc) && isObject(doc["latency"]) ? doc["latency"]["tests"] : undefined, doc].find(
    Array.isArray,
  );
  if (!tests) return [];
  const out: LatencySection[] = [];
  for (const test of tests as unknown[]) {
    if (!isObject(test) || !isObject(test["results"])) continue;
    const config = isObject(test["config"]) ? test["config"] : {};
    const name = [config["name"], config["id"], test["id"]].find((v): v is string => typeof v === "string");
    const series = Object.entries(test["results"])
      .map(([path, result]) => ({ name: path, points: percentilesOf(result) }))
      .filter((s) => s.points.length > 0);
    if (series.length) out.push({ kind: "latency", title: name ? `${title}: ${name}` : title, series });
  }
  return out;
}
