import { durationMs } from "../../model/duration";
import type { ConnectionLimits, OutlierDetection } from "../../model/resilience";
import type { ConfigEntry } from "../../plan";
import type { ResolvedMesh, ResolvedService } from "../resolve";

/**
 * Protocol of the service, plus how it treats each upstream: outlier detection
 * (`PassiveHealthCheck`) and circuit breaking (`Limits`), from the caller's upstream
 * settings or else the upstream service's own `resilience`; and the per-try timeout of each
 * upstream that declares one ({@link perTryTimeoutLua}).
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
  const perTry = service.upstreams.flatMap((u) => {
    const timeout = mesh.byName.get(u.service)?.resilience?.retries?.perTryTimeout;
    return timeout ? [{ port: u.localPort, ms: durationMs(timeout) }] : [];
  });
  return {
    Kind: "service-defaults",
    Name: service.name,
    Protocol: service.protocol,
    ...(overrides.length ? { UpstreamConfig: { Overrides: overrides } } : {}),
    ...(perTry.length ? { EnvoyExtensions: [perTryTimeoutLua(perTry)] } : {}),
  };
}

/** Envoy's request header for the timeout of each try (the router reads it, then removes it). */
export const PER_TRY_TIMEOUT_HEADER = "x-envoy-upstream-rq-per-try-timeout-ms";

/**
 * A Lua filter on the service's outbound listeners that gives every request to an upstream
 * with a per-try timeout Envoy's {@link PER_TRY_TIMEOUT_HEADER}. Consul 1.16's router has no
 * per-try timeout and `builtin/property-override` cannot reach a route inside a virtual host
 * (no repeated field members), but Envoy's router honours the header, read after the filters
 * before it have run. Each upstream has its own listener on `127.0.0.1:<localPort>`, so the
 * port says which upstream a request is for. A try cut off answers 504 inside Envoy: retried
 * on `5xx`/`gateway-error`, and an outlier detection failure of the instance that hung.
 */
export function perTryTimeoutLua(upstreams: readonly { port: number; ms: number }[]): { Name: string; Arguments: Record<string, string> } {
  return {
    Name: "builtin/lua",
    Arguments: {
      ProxyType: "connect-proxy",
      Listener: "outbound",
      Script: [
        `local per_try_ms = {${upstreams.map((u) => `["${u.port}"] = "${u.ms}"`).join(", ")}}`,
        "function envoy_on_request(request_handle)",
        '  local port = string.match(request_handle:streamInfo():downstreamLocalAddress(), ":(%d+)$")',
        "  local ms = per_try_ms[port]",
        `  if ms ~= nil then request_handle:headers():replace("${PER_TRY_TIMEOUT_HEADER}", ms) end`,
        "end",
      ].join("\n"),
    },
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
