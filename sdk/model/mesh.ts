import type { ConsulProps } from "./consul";
import type { IdentityProps } from "./identity";
import type { ImageSet } from "./images";
import type { IngressProps } from "./ingress";
import {
  refName,
  Service,
  type Failover,
  type FailoverTarget,
  type OrderedFailover,
  type ServiceFailover,
  type ServiceProps,
  type ServiceRef,
  type UpstreamProps,
} from "./service";
import type { FailoverSpec, FailoverTargetSpec, IdentitySpec, IngressSpec, MeshSpec, ServiceSpec, UpstreamSpec } from "./spec";
import type { SidecarProps } from "./sidecars";
import type { TelemetryProps } from "./telemetry";

/** Props of `new Mesh(name, props)`. */
export interface MeshProps {
  /** Consul datacenter. @default "dc1" */
  readonly datacenter?: string;
  /** Image overrides; unset ones use {@link DEFAULT_IMAGES}. */
  readonly images?: Partial<ImageSet>;
  /** A Keycloak realm for service and user identity; omitted means no Keycloak. */
  readonly identity?: IdentityProps;
  /** Metrics, access logs and tracing. @default metrics on, access logs and tracing off */
  readonly telemetry?: TelemetryProps;
  /** How the Envoy sidecars run (worker threads). */
  readonly sidecars?: SidecarProps;
  /** The Consul control plane (how many servers). @default one server */
  readonly consul?: ConsulProps;
}

/** An ingress gateway declared in a mesh; returned by `mesh.ingress()`. */
export class Ingress {
  /** @internal use `mesh.ingress()` */
  constructor(
    /** Consul service name and container name of the gateway. */
    readonly name: string,
    /** The props as given. */
    readonly props: IngressProps,
  ) {}
}

/**
 * A service mesh: services, who may call whom, identity, ingress and telemetry.
 *
 * ```ts
 * const mesh = new Mesh("shop");
 * const payment = mesh.service("payment-service", { instances: 3 });
 * const user = mesh.service("user-service", { upstreams: [payment] });
 * payment.allow(user, { paths: ["/pay"] });
 * const plan = compile(mesh);
 * ```
 */
export class Mesh {
  private readonly services: Service[] = [];
  private readonly ingresses: Ingress[] = [];

  constructor(
    /** Mesh name: prefixes the Docker network and container names. */
    readonly name: string,
    /** Mesh-wide settings. */
    readonly props: MeshProps = {},
  ) {}

  /** Declare a service. Names must be unique, lowercase DNS labels. */
  service(name: string, props: ServiceProps = {}): Service {
    const service = new Service(name, props);
    this.services.push(service);
    return service;
  }

  /** Declare an ingress gateway routing hosts and paths to services. */
  ingress(name: string, props: IngressProps): Ingress {
    const ingress = new Ingress(name, props);
    this.ingresses.push(ingress);
    return ingress;
  }

  /** The mesh as plain data, with references turned into names. */
  toSpec(): MeshSpec {
    const { identity, ...props } = this.props;
    return {
      name: this.name,
      ...props,
      ...(identity ? { identity: identitySpec(identity) } : {}),
      services: this.services.map(serviceSpec),
      ingresses: this.ingresses.map(ingressSpec),
    };
  }
}

function serviceSpec(service: Service): ServiceSpec {
  const { upstreams, failover, routes, ...rest } = service.props;
  const spec: ServiceSpec = {
    name: service.name,
    ...rest,
    ...(upstreams ? { upstreams: upstreams.map(upstreamSpec) } : {}),
    ...(routes ? { routes: routes.map(({ service, ...r }) => ({ ...r, ...(service !== undefined ? { service: refName(service) } : {}) })) } : {}),
    ...(failover ? { failover: failoverSpec(failover) } : {}),
    ...(service._access.length ? { access: service._access.map((a) => ({ ...a, caller: refName(a.caller) })) } : {}),
  };
  return spec;
}

function failoverSpec(failover: Failover): FailoverSpec {
  const target = (t: FailoverTarget): FailoverTargetSpec => ({
    ...(t.service !== undefined ? { service: refName(t.service) } : {}),
    ...(t.subset !== undefined ? { subset: t.subset } : {}),
  });
  // Every field is kept, so validation can refuse targets given together with subset or service.
  const loose = failover as Partial<ServiceFailover & OrderedFailover>;
  return { ...target(loose), ...(loose.targets ? { targets: loose.targets.map(target) } : {}) };
}

function identitySpec(identity: IdentityProps): IdentitySpec {
  const { webApps, ...rest } = identity;
  return { ...rest, ...(webApps ? { webApps: webApps.map((w) => ({ ...w, service: refName(w.service) })) } : {}) };
}

function upstreamSpec(upstream: ServiceRef | UpstreamProps): UpstreamSpec {
  if (typeof upstream === "string") return { service: upstream };
  if (upstream instanceof Service) return { service: upstream.name };
  if ("service" in upstream) return { ...upstream, service: refName(upstream.service) };
  return { service: upstream.name };
}

function ingressSpec(ingress: Ingress): IngressSpec {
  return {
    name: ingress.name,
    listeners: ingress.props.listeners.map((l) => ({
      ...l,
      routes: l.routes.map((r) => ({ ...r, service: refName(r.service) })),
    })),
  };
}
