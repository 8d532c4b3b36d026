/**
 * fortio, run the way Istio publishes its mesh latency: open loop at a fixed rate, keep-alive
 * on, a fixed number of connections, percentiles from fortio's own histogram. `-uniform`
 * staggers the connections' schedules: without it fortio's connections fire in lockstep, so
 * at 8 connections every tick is a burst of 8 requests and the cell measures the burst's
 * queueing in a one-worker Envoy (seen: mesh p50 3.8-4.5 ms against 1.1-1.5 ms with it, at
 * 500 QPS). Istio's runner desynchronises them too (fortio's `-jitter`).
 */
import type { StartedTestContainer } from "testcontainers";

/** The percentiles every cell reports (fortio's `-p`). */
export const PERCENTILES = [50, 90, 99, 99.9] as const;

/** One fortio run, reduced to what the bench reports. Latencies in milliseconds. */
export interface LoadResult {
  readonly requestedQps: number | "max";
  readonly actualQps: number;
  readonly connections: number;
  readonly durationS: number;
  readonly count: number;
  readonly errors: number;
  readonly latencyMs: {
    readonly min: number;
    readonly average: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
  };
  /** Average response body size in bytes: both paths must answer the same payload. */
  readonly bodyBytes: number;
}

interface FortioJson {
  ActualQPS: number;
  ActualDuration: number;
  NumThreads: number;
  RetCodes: Record<string, number>;
  Sizes?: { Avg: number };
  HeaderSizes?: { Avg: number };
  DurationHistogram: { Count: number; Min: number; Max: number; Avg: number; Percentiles: { Percentile: number; Value: number }[] };
}

const ms = (seconds: number): number => Math.round(seconds * 1e6) / 1e3;

/** Parses fortio's `-json` output. */
export function parseFortio(json: string, requestedQps: number | "max"): LoadResult {
  const f = JSON.parse(json) as FortioJson;
  const h = f.DurationHistogram;
  const p = (q: number): number => {
    const found = h.Percentiles.find((x) => x.Percentile === q);
    if (!found) throw new Error(`fortio's result has no p${q}`);
    return ms(found.Value);
  };
  const ok = f.RetCodes["200"] ?? 0;
  return {
    requestedQps,
    actualQps: Math.round(f.ActualQPS * 10) / 10,
    connections: f.NumThreads,
    durationS: Math.round(f.ActualDuration / 1e7) / 100,
    count: h.Count,
    errors: h.Count - ok,
    latencyMs: { min: ms(h.Min), average: ms(h.Avg), max: ms(h.Max), p50: p(50), p90: p(90), p99: p(99), p999: p(99.9) },
    bodyBytes: Math.round((f.Sizes?.Avg ?? 0) - (f.HeaderSizes?.Avg ?? 0)),
  };
}

/**
 * Runs `fortio load` inside `client` (a container sharing the calling instance's network
 * namespace) against `url`. `qps` "max" is the closed-loop maximum (fortio's `-qps 0`).
 */
export async function load(
  client: StartedTestContainer,
  url: string,
  opts: { qps: number | "max"; connections: number; durationS: number },
): Promise<LoadResult> {
  const args = [
    "fortio",
    "load",
    "-qps",
    String(opts.qps === "max" ? 0 : opts.qps),
    "-c",
    String(opts.connections),
    "-t",
    `${opts.durationS}s`,
    "-p",
    PERCENTILES.join(","),
    "-uniform",
    "-timeout",
    "5s",
    "-loglevel",
    "Error",
    "-json",
    "-",
    url,
  ];
  const r = await client.exec(args);
  if (r.exitCode !== 0) throw new Error(`fortio load ${url} exited ${r.exitCode}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return parseFortio(r.stdout, opts.qps);
}
