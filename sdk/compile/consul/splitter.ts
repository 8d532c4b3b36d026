import type { ConfigEntry } from "../../plan";
import type { ResolvedService } from "../resolve";
import { consulHeaderEdits } from "./http-match";

/**
 * Weighted split between subsets, with each split's header edits, normalised to percentages that sum to exactly 100. The
 * resolver's load balancer still picks the instance inside each subset.
 */
export function serviceSplitter(service: ResolvedService): ConfigEntry | undefined {
  if (!service.splits?.length) return undefined;
  const positive = service.splits.filter((s) => s.weight > 0);
  return {
    Kind: "service-splitter",
    Name: service.name,
    Splits: percentages(positive.map((s) => s.weight)).map((w, i) => {
      const split = positive[i]!;
      const request = consulHeaderEdits(split.requestHeaders);
      const response = consulHeaderEdits(split.responseHeaders);
      return { Weight: w, ServiceSubset: split.subset, ...(request ? { RequestHeaders: request } : {}), ...(response ? { ResponseHeaders: response } : {}) };
    }),
  };
}

/**
 * Consul accepts weights with two decimals summing to 100. Round down in hundredths, then
 * hand the remaining hundredths to the largest remainders (ties to the earlier split).
 */
export function percentages(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / total) * 10000);
  const floors = exact.map(Math.floor);
  let left = 10000 - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    left--;
  }
  return floors.map((f) => f / 100);
}
