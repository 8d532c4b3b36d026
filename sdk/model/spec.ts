import type { AccessAction, AccessRule } from "./access";
import type { AppProps } from "./app";
import type { ConsulProps } from "./consul";
import type { IdentityProps, WebAppProps } from "./identity";
import type { ImageSet } from "./images";
import type { LoadBalancing, SubsetSplit } from "./load-balancing";
import type { Resilience } from "./resilience";
import type { HealthCheck, InstanceProps, Protocol, UpstreamResilience } from "./service";
import type { ServiceIdentityProps } from "./identity";
import type { SidecarProps } from "./sidecars";
import type { TelemetryProps } from "./telemetry";
import type { RouteProps } from "./ingress";
import type { ServiceRoute } from "./routing";

/**
 * A mesh as plain data: what `Mesh.toSpec()` returns and what `validate`/`compile` read.
 * References are names, so a spec can be written by hand, generated, or stored as JSON.
 */
export interface MeshSpec {
  readonly name: string;
  readonly datacenter?: string;
  readonly images?: Partial<ImageSet>;
  readonly identity?: IdentitySpec;
  readonly telemetry?: TelemetryProps;
  readonly sidecars?: SidecarProps;
  readonly consul?: ConsulProps;
  readonly services: readonly ServiceSpec[];
  readonly ingresses?: readonly IngressSpec[];
}

/** The mesh identity as plain data: web apps name their service. */
export interface IdentitySpec extends Omit<IdentityProps, "webApps"> {
  readonly webApps?: readonly WebAppSpec[];
}

/** A web app as plain data. */
export interface WebAppSpec extends Omit<WebAppProps, "service"> {
  readonly service: string;
}

/** A service as plain data. */
export interface ServiceSpec {
  readonly name: string;
  readonly app?: AppProps;
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly instances?: number | readonly InstanceProps[];
  readonly healthCheck?: HealthCheck;
  readonly upstreams?: readonly UpstreamSpec[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly tags?: readonly string[];
  readonly version?: string;
  readonly loadBalancing?: LoadBalancing;
  readonly splits?: readonly SubsetSplit[];
  readonly defaultSubset?: string;
  readonly onlyPassing?: boolean;
  readonly routes?: readonly ServiceRouteSpec[];
  readonly resilience?: Resilience;
  readonly failover?: FailoverSpec;
  readonly identity?: ServiceIdentityProps;
  /** Access rules with this service as the destination. */
  readonly access?: readonly AccessSpec[];
}

/** An in-mesh route as plain data. */
export interface ServiceRouteSpec extends Omit<ServiceRoute, "service"> {
  readonly service?: string;
}

/** A failover as plain data: `subset`, `service` (with an optional `subset`), or `targets`. */
export interface FailoverSpec {
  readonly subset?: string;
  readonly service?: string;
  readonly targets?: readonly FailoverTargetSpec[];
}

/** A failover target as plain data. */
export interface FailoverTargetSpec {
  readonly service?: string;
  readonly subset?: string;
}

/** An upstream as plain data. */
export interface UpstreamSpec {
  readonly service: string;
  readonly localPort?: number;
  readonly loadBalancing?: LoadBalancing;
  readonly resilience?: UpstreamResilience;
}

/** An access rule as plain data. */
export interface AccessSpec {
  readonly caller: string;
  readonly action: AccessAction;
  readonly rule?: AccessRule;
}

/** An ingress gateway as plain data. */
export interface IngressSpec {
  readonly name: string;
  readonly listeners: readonly {
    readonly port: number;
    readonly protocol?: "http" | "tcp";
    readonly routes: readonly IngressRouteSpec[];
  }[];
}

/** An ingress route as plain data. */
export interface IngressRouteSpec extends Omit<RouteProps, "service"> {
  readonly service: string;
}
