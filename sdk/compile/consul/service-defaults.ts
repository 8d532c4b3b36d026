import type { ConnectionLimits, OutlierDetection } from "../../model/resilience";
import type { ConfigEntry } from "../../plan";
import type { ResolvedMesh, ResolvedService } from "../resolve";

/**
 * Protocol of the service, plus how it treats each upstream: outlier detection
 * (`PassiveHealthCheck`) and circuit breaking (`Limits`), from the caller's upstream
 * settings or else the upstream service's own `resilience`.
 */
export function serviceDefaults(mesh: ResolvedMesh, service: ResolvedService): ConfigEntry {
  const overrides = service.upstreams.flatMap((u) => {
    const target = mesh.byName.get(u.service);
    const outlier = u.resilience?.outlierDetection ?? target?.resilience?.outlierDetection;
    const limits = u.resilience?.connectionLimits ?? target?.resilience?.connectionLimits;
    if (!outlier && !limits) return [];
    return [
      {
        Name: u.service,
        ...(outlier ? { PassiveHealthCheck: passiveHealthCheck(outlier) } : {}),
        ...(limits ? { Limits: upstreamLimits(limits) } : {}),
      },
    ];
  });
  return {
    Kind: "service-defaults",
    Name: service.name,
    Protocol: service.protocol,
    ...(overrides.length ? { UpstreamConfig: { Overrides: overrides } } : {}),
  };
}

/** service-defaults for a virtual service that only exists to carry ingress routes. */
export function virtualServiceDefaults(name: string): ConfigEntry {
  return { Kind: "service-defaults", Name: name, Protocol: "http" };
}

function passiveHealthCheck(o: OutlierDetection): Record<string, unknown> {
  return {
    Interval: o.interval ?? "10s",
    MaxFailures: o.consecutive5xx,
    EnforcingConsecutive5xx: o.enforcingPercent ?? 100,
    MaxEjectionPercent: o.maxEjectionPercent ?? 10,
    BaseEjectionTime: o.baseEjectionTime ?? "30s",
  };
}

function upstreamLimits(l: ConnectionLimits): Record<string, unknown> {
  return {
    ...(l.maxConnections !== undefined ? { MaxConnections: l.maxConnections } : {}),
    ...(l.maxPendingRequests !== undefined ? { MaxPendingRequests: l.maxPendingRequests } : {}),
    ...(l.maxConcurrentRequests !== undefined ? { MaxConcurrentRequests: l.maxConcurrentRequests } : {}),
  };
}
