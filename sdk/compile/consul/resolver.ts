import { assertNever } from "../../errors";
import type { HashPolicy, LoadBalancing } from "../../model/load-balancing";
import type { ConfigEntry } from "../../plan";
import type { ResolvedService } from "../resolve";

/**
 * The service's resolver: subsets (by meta `subset`), failover, connect timeout and the
 * load-balancing policy. Omitted when none of those is needed.
 */
export function serviceResolver(service: ResolvedService): ConfigEntry | undefined {
  const subsets = resolverSubsets(service);
  const failover = service.failover;
  const connectTimeout = service.resilience?.connectTimeout;
  if (!subsets && !failover && !service.loadBalancing && !connectTimeout) return undefined;
  return {
    Kind: "service-resolver",
    Name: service.name,
    ...(connectTimeout ? { ConnectTimeout: connectTimeout } : {}),
    ...(subsets?.defaultSubset ? { DefaultSubset: subsets.defaultSubset } : {}),
    ...(subsets ? { Subsets: subsets.subsets } : {}),
    ...(failover ? { Failover: failoverMap(service, subsets?.defaultSubset) } : {}),
    ...(service.loadBalancing ? { LoadBalancer: loadBalancer(service.loadBalancing) } : {}),
  };
}

interface Subsets {
  subsets: Record<string, { Filter: string; OnlyPassing: boolean }>;
  defaultSubset?: string;
}

function resolverSubsets(service: ResolvedService): Subsets | undefined {
  const backup = service.failover?.subset;
  const defaultSubset = service.defaultSubset;
  if (service.subsets.length < 2 && backup === undefined && defaultSubset === undefined) return undefined;
  const subsets: Subsets["subsets"] = {};
  for (const name of service.subsets) subsets[name] = { Filter: `Service.Meta.subset == "${name}"`, OnlyPassing: true };
  // A default subset that no instance declares is the synthetic "not-<backup>" one (see resolve.ts).
  if (defaultSubset !== undefined && !service.subsets.includes(defaultSubset))
    subsets[defaultSubset] = { Filter: `Service.Meta.subset != "${backup ?? ""}"`, OnlyPassing: true };
  return { subsets, ...(defaultSubset !== undefined ? { defaultSubset } : {}) };
}

function failoverMap(service: ResolvedService, defaultSubset: string | undefined): Record<string, unknown> {
  const f = service.failover;
  if (f?.service !== undefined) return { "*": { Service: f.service } };
  const backup = f?.subset ?? "";
  const keys = [...service.subsets.filter((s) => s !== backup), ...(defaultSubset && !service.subsets.includes(defaultSubset) ? [defaultSubset] : [])];
  return Object.fromEntries(keys.map((k) => [k, { ServiceSubset: backup }]));
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
