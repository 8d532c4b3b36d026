import type { ZipkinSpan } from "../roles/zipkin";
import type { TraceSection } from "./sections";

/**
 * Each trace (Zipkin's spans of one trace id) as a waterfall section, spans ordered by start
 * and placed on the trace's own clock. Spans without a timestamp are left out; traces with
 * none left are skipped, so no section is made up.
 */
export function traceSections(traces: readonly (readonly ZipkinSpan[])[], title = "trace"): TraceSection[] {
  const out: TraceSection[] = [];
  for (const trace of traces) {
    const timed = trace.filter((s) => typeof s.timestamp === "number").sort((a, b) => a.timestamp! - b.timestamp!);
    if (!timed.length) continue;
    const t0 = timed[0]!.timestamp!;
    out.push({
      kind: "trace",
      title: `${title} ${timed[0]!.traceId}`,
      traceId: timed[0]!.traceId,
      spans: timed.map((s) => ({
        spanId: s.id,
        ...(s.parentId ? { parentId: s.parentId } : {}),
        service: s.localEndpoint?.serviceName ?? "unknown",
        name: `${s.name ?? "span"}${s.kind ? ` (${s.kind})` : ""}`,
        startMs: (s.timestamp! - t0) / 1000,
        durationMs: (s.duration ?? 0) / 1000,
      })),
    });
  }
  return out;
}
