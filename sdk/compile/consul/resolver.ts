import { assertNever } from "../../errors";
import type { HashPolicy, LoadBalancing } from "../../model/load-balancing";
import type { ConfigEntry } from "../../plan";
import type { ResolvedService, ResolvedTarget } from "../resolve";

/**
 * The service's resolver: subsets (by meta `subset`), the default subset, failover, connect
 * timeout and the load-balancing policy. Omitted when none of those is needed.
 */
export function serviceResolver(service: ResolvedService): ConfigEntry | undefined {
  const subsets = resolverSubsets(service);
  const connectTimeout = service.resilience?.connectTimeout;
  if (!subsets && !service.failover.length && !service.loadBalancing && !connectTimeout) return undefined;
  return {
    Kind: "service-resolver",
    Name: service.name,
    ...(connectTimeout ? { ConnectTimeout: connectTimeout } : {}),
    ...(service.defaultSubset !== undefined ? { DefaultSubset: service.defaultSubset } : {}),
    ...(subsets ? { Subsets: subsets } : {}),
    ...(service.failover.length ? { Failover: failoverMap(service) } : {}),
    ...(service.loadBalancing ? { LoadBalancer: loadBalancer(service.loadBalancing) } : {}),
  };
}

type Subsets = Record<string, { Filter: string; OnlyPassing: boolean }>;

/**
 * One subset per declared subset name (when there are several, or one is named anywhere),
 * plus the synthetic default subset: `not-<backups>` or `all`.
 */
function resolverSubsets(service: ResolvedService): Subsets | undefined {
  const defaultSubset = service.defaultSubset;
  if (service.subsets.length < 2 && !service.referencedSubsets.length && defaultSubset === undefined) return undefined;
  const only = { OnlyPassing: service.onlyPassing };
  const subsets: Subsets = {};
  for (const name of service.subsets) subsets[name] = { Filter: `Service.Meta.subset == "${name}"`, ...only };
  if (defaultSubset !== undefined && !service.subsets.includes(defaultSubset)) {
    const outside = service.backupSubsets.map((b) => `Service.Meta.subset != "${b}"`).join(" and ");
    subsets[defaultSubset] = { Filter: outside, ...only };
  }
  return subsets;
}

/**
 * Failover per subset that takes default traffic (`*` when no subset of the service is a
 * backup): one target as `Service`/`ServiceSubset`, several as ordered `Targets`.
 */
function failoverMap(service: ResolvedService): Record<string, unknown> {
  const target = (t: ResolvedTarget) => ({
    ...(t.service !== service.name ? { Service: t.service } : {}),
    ...(t.subset !== undefined ? { ServiceSubset: t.subset } : {}),
  });
  const [only, ...more] = service.failover;
  const value = only && !more.length ? target(only) : { Targets: service.failover.map(target) };
  if (!service.backupSubsets.length) return { "*": value };
  const d = service.defaultSubset;
  const keys = [...service.subsets.filter((s) => !service.backupSubsets.includes(s)), ...(d !== undefined && !service.subsets.includes(d) ? [d] : [])];
  return Object.fromEntries(keys.map((k) => [k, value]));
}

/** Consul `LoadBalancer` for a policy. */
export function loadBalancer(lb: LoadBalancing): Record<string, unknown> {
  switch (lb.policy) {
    case "round_robin":
      return { Policy: "round_robin" };
    case "random":
      return { Policy: "random" };
    case "least_request":
      return { Policy: "least_request", LeastRequestConfig: { ChoiceCount: lb.choiceCount ?? 2 } };
    case "weighted":
      // Envoy's round robin honours endpoint weights, which Consul takes from Weights.Passing.
      return { Policy: "round_robin" };
    case "ring_hash": {
      const ring = {
        ...(lb.minimumRingSize !== undefined ? { MinimumRingSize: lb.minimumRingSize } : {}),
        ...(lb.maximumRingSize !== undefined ? { MaximumRingSize: lb.maximumRingSize } : {}),
      };
      return { Policy: "ring_hash", ...(Object.keys(ring).length ? { RingHashConfig: ring } : {}), HashPolicies: lb.hashPolicies.map(hashPolicy) };
    }
    case "maglev":
      return { Policy: "maglev", HashPolicies: lb.hashPolicies.map(hashPolicy) };
    default:
      return assertNever(lb, "load-balancing policy");
  }
}

function hashPolicy(h: HashPolicy): Record<string, unknown> {
  const terminal = h.terminal ? { Terminal: true } : {};
  if ("sourceIp" in h) return { SourceIP: true, ...terminal };
  if ("header" in h) return { Field: "header", FieldValue: h.header, ...terminal };
  if ("queryParameter" in h) return { Field: "query_parameter", FieldValue: h.queryParameter, ...terminal };
  const cookie = {
    ...(h.ttl !== undefined ? { TTL: h.ttl } : {}),
    ...(h.path !== undefined ? { Path: h.path } : {}),
    ...(h.session ? { Session: true } : {}),
  };
  return { Field: "cookie", FieldValue: h.cookie, ...(Object.keys(cookie).length ? { CookieConfig: cookie } : {}), ...terminal };
}
