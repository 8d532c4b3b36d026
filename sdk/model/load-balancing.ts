import type { Duration } from "./duration";
import type { HeaderEdits } from "./routing";

/**
 * How a caller's sidecar picks an instance of a service. Compiled to the service's
 * `service-resolver` `LoadBalancer` (and, for `weighted`, registration `Weights` plus a
 * `service-splitter`).
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-resolver#loadbalancer
 */
export type LoadBalancing = RoundRobin | RandomPick | LeastRequest | Weighted | RingHash | Maglev;

/** Every load-balancing policy name. */
export type LoadBalancingPolicy = LoadBalancing["policy"];

/** Each healthy instance in turn (Envoy's default), honouring per-instance weights. */
export interface RoundRobin {
  readonly policy: "round_robin";
}

/** A uniformly random healthy instance for each request. */
export interface RandomPick {
  readonly policy: "random";
}

/** Power-of-N-choices: the least busy of `choiceCount` random instances. */
export interface LeastRequest {
  readonly policy: "least_request";
  /** How many random instances to compare. @default 2 */
  readonly choiceCount?: number;
}

/**
 * Traffic in proportion to weights: per instance (`InstanceProps.weight`, sent to Envoy as
 * endpoint weights) and, with `splits`, between subsets of instances.
 */
export interface Weighted {
  readonly policy: "weighted";
  /** Relative share of requests per subset; normalised to percentages summing to 100. */
  readonly splits?: readonly SubsetSplit[];
}

/** A share of traffic for one subset (see `InstanceProps.subset`). */
export interface SubsetSplit {
  /** Subset name as declared on instances. */
  readonly subset: string;
  /** Relative weight (any non-negative number; the splits need not add up to 100). */
  readonly weight: number;
  /** Changes to requests sent to this subset (e.g. a header naming the canary). */
  readonly requestHeaders?: HeaderEdits;
  /** Changes to responses from this subset. */
  readonly responseHeaders?: HeaderEdits;
}

/** Consistent hashing on a ring: the same hash key reaches the same instance. */
export interface RingHash {
  readonly policy: "ring_hash";
  /** What to hash; evaluated in order, the first policy that produces a key wins unless `terminal`. */
  readonly hashPolicies: readonly HashPolicy[];
  /** Smallest ring size. @default 1024 (Envoy) */
  readonly minimumRingSize?: number;
  /** Largest ring size. @default 8388608 (Envoy) */
  readonly maximumRingSize?: number;
}

/** Maglev consistent hashing: faster lookups and less disruption than a ring. */
export interface Maglev {
  readonly policy: "maglev";
  /** What to hash; see {@link RingHash.hashPolicies}. */
  readonly hashPolicies: readonly HashPolicy[];
}

/** One input to a hash-based policy. Exactly one of the key fields is set. */
export type HashPolicy = SourceIpHash | HeaderHash | CookieHash | QueryParameterHash;

interface HashPolicyBase {
  /** Stop evaluating later hash policies when this one produced a key. @default false */
  readonly terminal?: boolean;
}

/**
 * Hash the client's source IP ("IP hash"). Meaningful for clients entering through an
 * ingress gateway, which sees their addresses. Inside the mesh every caller reaches its own
 * sidecar from 127.0.0.1, so all in-mesh callers hash alike and land on the same instance;
 * for per-caller or per-user affinity inside the mesh, hash a header instead.
 */
export interface SourceIpHash extends HashPolicyBase {
  readonly sourceIp: true;
}

/** Hash the value of a request header. */
export interface HeaderHash extends HashPolicyBase {
  /** Header name, e.g. `x-user-id`. */
  readonly header: string;
}

/** Hash a cookie ("sticky sessions"). */
export interface CookieHash extends HashPolicyBase {
  /** Cookie name. */
  readonly cookie: string;
  /** Generate the cookie with this lifetime when absent (cannot be combined with `session`). */
  readonly ttl?: Duration;
  /** Path of the generated cookie. */
  readonly path?: string;
  /** Generate a session cookie (no expiry) when absent. */
  readonly session?: boolean;
}

/** Hash a query-string parameter. */
export interface QueryParameterHash extends HashPolicyBase {
  /** Parameter name. */
  readonly queryParameter: string;
}
