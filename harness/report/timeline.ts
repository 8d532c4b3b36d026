import type { ChaosBucket, ChaosMark } from "./sections";

/** What a timeline needs of a request: when it started and whether it succeeded. */
export interface TimedRequest {
  /** ms after the load began. */
  readonly startMs: number;
  readonly status: number;
}

/**
 * Requests per `bucketMs` by start time, ok (2xx) and failed, from the first bucket to the one
 * holding the last request or mark; empty buckets are kept so the time axis has no holes.
 */
export function chaosBuckets(requests: readonly TimedRequest[], marks: readonly ChaosMark[] = [], bucketMs = 100): ChaosBucket[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
  const last = Math.max(0, ...requests.map((r) => r.startMs), ...marks.map((m) => m.atMs));
  const buckets = Array.from({ length: Math.floor(last / bucketMs) + 1 }, (_, i) => ({ startMs: i * bucketMs, ok: 0, failed: 0 }));
  for (const r of requests) {
    const b = buckets[Math.max(0, Math.floor(r.startMs / bucketMs))]!;
    if (r.status >= 200 && r.status < 300) b.ok++;
    else b.failed++;
  }
  return buckets;
}
