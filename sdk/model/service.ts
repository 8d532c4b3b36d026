import type { AccessAction, AccessRule } from "./access";
import type { AppProps } from "./app";
import type { Duration } from "./duration";
import type { ServiceIdentityProps } from "./identity";
import type { LoadBalancing, SubsetSplit } from "./load-balancing";
import type { ConnectionLimits, OutlierDetection, Resilience } from "./resilience";
import type { ServiceRoute } from "./routing";

/** Wire protocol of a service; decides which L7 features (routing, retries, L7 rules) apply. */
export type Protocol = "http" | "grpc" | "tcp";

/** Anything that names a service: a {@link Service} or its name. */
export type ServiceRef = string | { readonly name: string };

/** Props of `mesh.service(name, props)`. */
export interface ServiceProps {
  /**
   * The app every instance runs: an image or a Dockerfile build, with its command, env,
   * secrets, files, user and limits. @default meshwright's workload (a controllable test service)
   */
  readonly app?: AppProps;
  /** Port the app listens on, on 127.0.0.1 inside its instance (`LISTEN_ADDR`). @default 8080 */
  readonly port?: number;
  /** Wire protocol (Consul `service-defaults` `Protocol`). @default "http" */
  readonly protocol?: Protocol;
  /**
   * How many instances, or one entry per instance. Instance `n` (from 1) is named
   * `<service>-<n>`. @default 1
   */
  readonly instances?: number | readonly InstanceProps[];
  /**
   * Consul check run by the instance's agent. @default `{ kind: "http", path: "/health" }` for
   * http, `{ kind: "tcp" }` for grpc and tcp
   */
  readonly healthCheck?: HealthCheck;
  /** Services this one calls, each reachable at `127.0.0.1:<localPort>` inside the instance. */
  readonly upstreams?: readonly (ServiceRef | UpstreamProps)[];
  /** Consul service metadata on every instance (keys: letters, digits, `_`, `-`). */
  readonly meta?: Readonly<Record<string, string>>;
  /** Consul tags on every instance. */
  readonly tags?: readonly string[];
  /** Version reported by the workload (`VERSION`) and in meta `version`. @default "v1" */
  readonly version?: string;
  /** How callers spread requests over the instances. @default round robin */
  readonly loadBalancing?: LoadBalancing;
  /**
   * Share of requests per subset (a Consul `service-splitter`), combined with any
   * `loadBalancing` policy, which then picks an instance inside the chosen subset.
   */
  readonly splits?: readonly SubsetSplit[];
  /**
   * The subset that takes traffic while it has healthy instances (the resolver's
   * `DefaultSubset`). @default with `failover: { subset }`, every instance outside the backup
   * subset; otherwise every instance
   */
  readonly defaultSubset?: string;
  /**
   * Only instances whose checks all pass take traffic; otherwise (Consul's default) an
   * instance whose check warns (HTTP 429) still does. Set on every subset of the resolver
   * (`OnlyPassing`); a service without a default subset gets one, `all`, with no filter.
   * @default false
   * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-resolver#subsets-onlypassing
   */
  readonly onlyPassing?: boolean;
  /**
   * In-mesh routes, tried in order before the catch-all (which carries `resilience`): by
   * path, header, query parameter and method, to a subset or another service, with prefix
   * rewrites, header edits, timeouts and retries. HTTP and gRPC only.
   * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-router
   */
  readonly routes?: readonly ServiceRoute[];
  /** Timeouts, retries, outlier detection and limits callers apply. */
  readonly resilience?: Resilience;
  /**
   * Where traffic goes when the primary instances fail. The primaries are the instances of
   * `defaultSubset` when set, else every instance outside the failover subsets of this
   * service (every instance, for a failover to other services only). All traffic goes to the
   * first target with healthy instances once no primary is healthy; before that, Envoy already
   * spills part of it as soon as fewer than about 70% of the primaries are healthy (its
   * priority overprovisioning factor 1.4; see test/e2e/failover.test.ts). A failover to
   * another service also needs an `allow` on that service for each caller: the SDK does not
   * add it, and validation warns when one is missing.
   * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-resolver#failover
   */
  readonly failover?: Failover;
  /** Scopes and roles in this service's client-credentials tokens. */
  readonly identity?: ServiceIdentityProps;
}

/** One instance of a service. */
export interface InstanceProps {
  /** Relative weight (Consul `Weights.Passing`, Envoy endpoint weight), at least 1. @default 1 */
  readonly weight?: number;
  /** Extra Consul tags for this instance. */
  readonly tags?: readonly string[];
  /** Subset the instance belongs to (meta `subset`), used by splits and failover. @default "primary" */
  readonly subset?: string;
  /** Extra metadata for this instance. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Version reported by this instance. @default the service's version */
  readonly version?: string;
  /** Plain environment variables for this instance's app, over the app's `env`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Consul health check. */
export type HealthCheck = HttpHealthCheck | TcpHealthCheck;

/** HTTP GET on the app's port; 2xx is passing. */
export interface HttpHealthCheck {
  readonly kind: "http";
  /** Request path. @default "/health" */
  readonly path?: string;
  /** Time between checks. @default "5s" */
  readonly interval?: Duration;
  /** Time before a check fails. @default "2s" */
  readonly timeout?: Duration;
}

/** TCP connect to the app's port. */
export interface TcpHealthCheck {
  readonly kind: "tcp";
  /** Time between checks. @default "5s" */
  readonly interval?: Duration;
  /** Time before a check fails. @default "2s" */
  readonly timeout?: Duration;
}

/** A call from this service to another. */
export interface UpstreamProps {
  /** The service called. */
  readonly service: ServiceRef;
  /** Local port in the caller's instance; chosen from 9001 up when omitted. */
  readonly localPort?: number;
  /**
   * Load balancing for this call. Consul has one resolver per service, so every caller
   * that sets it must agree with each other and with the service's own setting.
   */
  readonly loadBalancing?: LoadBalancing;
  /** Outlier detection and limits this caller applies to the upstream (overrides the service's). */
  readonly resilience?: UpstreamResilience;
}

/** The resilience settings a single caller can override. */
export interface UpstreamResilience {
  /** See {@link Resilience.outlierDetection}. */
  readonly outlierDetection?: OutlierDetection;
  /** See {@link Resilience.connectionLimits}. */
  readonly connectionLimits?: ConnectionLimits;
}

/** Failover: a subset of the same service, another service (or its subset), or several targets in order. */
export type Failover = SubsetFailover | ServiceFailover | OrderedFailover;

/** Fail over to the instances of a subset (e.g. `"backup"`). */
export interface SubsetFailover {
  /** Subset name declared on some instances. */
  readonly subset: string;
}

/** Fail over to another service, or to one of its subsets. */
export interface ServiceFailover {
  /** The backup service. */
  readonly service: ServiceRef;
  /** A subset of the backup service. @default the backup's default subset (every instance, without one) */
  readonly subset?: string;
}

/**
 * Fail over through several targets in order: the first with healthy instances takes the
 * traffic (Consul's failover `Targets`).
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/connect/config-entries/service-resolver#failover-targets
 */
export interface OrderedFailover {
  /** Targets, most preferred first. */
  readonly targets: readonly FailoverTarget[];
}

/** One failover target: a subset of this service, another service, or a subset of another service. */
export interface FailoverTarget {
  /** The target service. @default this service (then `subset` is required) */
  readonly service?: ServiceRef;
  /** A subset of the target service. */
  readonly subset?: string;
}

/** A service declared in a mesh; returned by `mesh.service()`. */
export class Service {
  /** @internal access rules, in declaration order */
  readonly _access: { caller: ServiceRef; action: AccessAction; rule?: AccessRule }[] = [];

  /** @internal use `mesh.service()` */
  constructor(
    /** Consul service name, client id and container name prefix. */
    readonly name: string,
    /** The props as given. */
    readonly props: ServiceProps,
  ) {}

  /**
   * Let `caller` call this service, optionally only for requests matching `rule`
   * (paths, methods, headers, JWT scopes/roles/claims). Several calls add up.
   *
   * Rules with paths, methods, headers or token requirements are L7 rules; each caller with
   * one also gets a deny ahead of its rules for paths a path rule cannot judge (dot segments,
   * doubled slashes, backslashes, `;`, and percent-encodings a normalizing server would decode
   * into something else), because Consul 1.16 does not normalize paths. A rule that requires
   * a token also requires it to be issued to `caller` (its `azp`) for this service (its `aud`).
   * An ingress routing to this service is allowed on its routes' path prefixes unless a rule
   * names the gateway itself.
   */
  allow(caller: ServiceRef, rule?: AccessRule): this {
    this._access.push(rule ? { caller, action: "allow", rule } : { caller, action: "allow" });
    return this;
  }

  /** Refuse `caller` (everything, or only requests matching `rule`). Deny rules win over allow rules. */
  deny(caller: ServiceRef, rule?: AccessRule): this {
    this._access.push(rule ? { caller, action: "deny", rule } : { caller, action: "deny" });
    return this;
  }
}

/** The name behind a {@link ServiceRef}. */
export function refName(ref: ServiceRef): string {
  return typeof ref === "string" ? ref : ref.name;
}
