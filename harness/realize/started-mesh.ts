import { getContainerRuntimeClient } from "testcontainers";
import type { ContainerSpec, MeshPlan } from "../../sdk";
import { ConsulServer } from "../roles/consul-server";
import { IngressGateway } from "../roles/ingress";
import { Instance, plannedInstance } from "../roles/instance";
import { KeycloakServer, type TokenOptions } from "../roles/keycloak";
import { PrometheusServer } from "../roles/prometheus";
import { ZipkinServer } from "../roles/zipkin";
import type { ExecHttpOptions, ExecHttpResult } from "../probes/probe-exec";
import type { MeshContainer } from "./mesh-container";

export type { ExecHttpOptions, ExecHttpResult };

/** Where the mesh runs, when not on Docker: what the harness cannot read from the Docker engine. */
export interface StartedMeshPlatform {
  /** Each instance's address (where its sidecar answers) → its id; on Docker, the node containers' addresses. */
  readonly instanceAddresses?: () => Promise<Map<string, string>>;
}

/** A plan container that is running. */
export interface StartedPlanContainer {
  readonly spec: ContainerSpec;
  readonly container: MeshContainer;
}

/**
 * A mesh running on real containers; `stop()` (or `await using`) removes all of it. Its parts
 * come as role types: {@link consul}, {@link keycloak}, {@link prometheus}, {@link instance}
 * and {@link ingress}, each reached on the ports the plan names.
 */
export class StartedMesh implements AsyncDisposable {
  private readonly instances = new Map<string, Instance>();
  private readonly views = new Map<string, MeshContainer>();
  private readonly down = new Map<string, "stop" | "kill" | "pause" | "disconnect">();
  private readonly rebound = new Map<string, Record<string, { HostIp: string; HostPort: string }[] | null | undefined>>();
  private endpoints?: Map<string, string>;
  private consulRole?: ConsulServer;

  constructor(
    readonly plan: MeshPlan,
    /** What this run is called: the harness run id (labels and name prefixes), or `attached:<mesh>`. */
    readonly runId: string,
    /** The Docker network the mesh's containers are on (join it to reach them by plan name). */
    readonly networkName: string,
    private readonly started: ReadonlyMap<string, StartedPlanContainer>,
    private readonly stopAll: () => Promise<void>,
    /** Values of the plan's secrets for this mesh (fresh for each harness run). */
    private readonly secrets: Readonly<Record<string, string>>,
    private readonly platform: StartedMeshPlatform = {},
  ) {}

  /**
   * A running container by its plan name (e.g. `payment-service-2-app`). Its published ports
   * follow the container through a stop and start (Docker binds new host ports then), once
   * {@link rebind} has read them: the chaos probe's `start` and `restart` do.
   */
  container(name: string): MeshContainer {
    const c = this.started.get(name);
    if (!c) throw new Error(`no container "${name}" in mesh ${this.plan.mesh.name}; known: ${[...this.started.keys()].join(", ")}`);
    let view = this.views.get(name);
    if (!view) {
      const inner = c.container;
      view = {
        getId: () => inner.getId(),
        getHost: () => inner.getHost(),
        getMappedPort: (port) => {
          const rebound = this.rebound.get(name);
          if (!rebound) return inner.getMappedPort(port);
          const hostPort = rebound[`${port}/tcp`]?.[0]?.HostPort;
          if (!hostPort) throw new Error(`container ${name} of mesh ${this.plan.mesh.name} publishes no port ${port} since it started again`);
          return Number(hostPort);
        },
        exec: (command) => inner.exec(command),
        ...(inner.logLines ? { logLines: () => inner.logLines!() } : {}),
      };
      this.views.set(name, view);
    }
    return view;
  }

  /**
   * Reads a container's published ports again, after Docker started it anew (a `docker start`
   * or `restart` binds new host ports), so roles reach it where it now listens.
   */
  async rebind(name: string): Promise<void> {
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const info = await docker.getContainer(this.container(name).getId()).inspect();
    this.rebound.set(name, info.NetworkSettings.Ports ?? {});
  }

  /** The value of one of the plan's secrets (e.g. `keycloak/admin-password`). */
  secret(name: string): string {
    const value = this.secrets[name];
    if (value === undefined) throw new Error(`mesh ${this.plan.mesh.name} has no secret ${name}; known: ${Object.keys(this.secrets).join(", ")}`);
    return value;
  }

  /** The Consul server (management token, API, npm client, config entries). */
  get consul(): ConsulServer {
    this.consulRole ??= new ConsulServer(
      this.plan,
      () => this.plan.consul.servers.filter((s) => !this.down.has(s.container)).map((s) => ({ name: s.container, container: this.container(s.container) })),
      this.secret(this.plan.consul.acl.managementToken),
    );
    return this.consulRole;
  }

  /**
   * Records that the harness took a container down (`stop`, `kill`, `pause`, `disconnect`) or
   * brought it back, so roles with a choice (the Consul servers) call one that answers.
   */
  markDown(name: string, fault: "stop" | "kill" | "pause" | "disconnect" | undefined): void {
    if (fault) this.down.set(name, fault);
    else this.down.delete(name);
  }

  /** The containers the harness has taken down and not brought back, with how. */
  takenDown(): ReadonlyMap<string, "stop" | "kill" | "pause" | "disconnect"> {
    return new Map(this.down);
  }

  /** Keycloak (tokens for services and users); throws when the mesh has no identity. */
  get keycloak(): KeycloakServer {
    const kc = this.plan.containers.find((c) => c.role === "keycloak");
    if (!kc) throw new Error(`mesh ${this.plan.mesh.name} has no Keycloak (no identity)`);
    return new KeycloakServer(this.plan, this.container(kc.name), (name) => this.secret(name));
  }

  /** Prometheus; throws when metrics are off. */
  get prometheus(): PrometheusServer {
    const p = this.plan.containers.find((c) => c.role === "prometheus");
    if (!p) throw new Error(`mesh ${this.plan.mesh.name} has no Prometheus (telemetry.metrics is off)`);
    return new PrometheusServer(this.plan, this.container(p.name));
  }

  /** Zipkin (traces through its API); throws when tracing is off. */
  get zipkin(): ZipkinServer {
    const z = this.plan.containers.find((c) => c.role === "zipkin");
    if (!z) throw new Error(`mesh ${this.plan.mesh.name} has no Zipkin (telemetry.tracing is off)`);
    return new ZipkinServer(this.plan, this.container(z.name));
  }

  /** An instance, reached through its probe container. */
  instance(id: string): Instance {
    let found = this.instances.get(id);
    if (!found) {
      const { service, instance } = plannedInstance(this.plan, id);
      found = new Instance(service, instance, this.container(instance.probe));
      this.instances.set(id, found);
    }
    return found;
  }

  /** An ingress gateway by name (the first one when omitted). */
  ingress(name?: string): IngressGateway {
    const spec = name === undefined ? this.plan.ingresses[0] : this.plan.ingresses.find((g) => g.name === name);
    if (!spec)
      throw new Error(
        `mesh ${this.plan.mesh.name} has no ingress${name ? ` "${name}"` : ""}; known: ${this.plan.ingresses.map((g) => g.name).join(", ") || "none"}`,
      );
    return new IngressGateway(spec, this.container(spec.container));
  }

  /**
   * The instance whose sidecar listens at `endpoint` (`ip:port`, as the `x-meshwright-endpoint`
   * response header names it), read from the node containers' addresses on the mesh network.
   */
  async instanceAt(endpoint: string): Promise<string | undefined> {
    const ip = endpoint.replace(/:\d+$/, "");
    if (!this.endpoints?.has(ip)) this.endpoints = await this.readEndpoints();
    return this.endpoints.get(ip);
  }

  private async readEndpoints(): Promise<Map<string, string>> {
    if (this.platform.instanceAddresses) return this.platform.instanceAddresses();
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const out = new Map<string, string>();
    for (const service of this.plan.services)
      for (const i of service.instances) {
        const info = await docker
          .getContainer(this.container(i.node).getId())
          .inspect()
          .catch(() => undefined);
        for (const net of Object.values(info?.NetworkSettings.Networks ?? {})) if (net.IPAddress) out.set(net.IPAddress, i.id);
      }
    return out;
  }

  /** Base URL of Consul's HTTP API from the test process (calls need {@link ConsulServer.token}). */
  consulUrl(): string {
    return this.consul.url();
  }

  /** Base URL of Keycloak from the test process (tokens still carry the in-mesh issuer). */
  keycloakUrl(): string {
    return this.keycloak.url();
  }

  /** Base URL of Prometheus from the test process. */
  prometheusUrl(): string {
    return this.prometheus.url();
  }

  /** An HTTP request made from inside an instance's network namespace (by its probe). */
  httpFrom(instanceId: string, url: string, opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return this.instance(instanceId).http(url, opts);
  }

  /** Calls `upstream` through the instance's sidecar, from its probe. */
  call(instanceId: string, upstream: string, path = "/", opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return this.instance(instanceId).call(upstream, path, opts);
  }

  /** GET a path of an instance's Envoy admin API (loopback inside the instance). */
  envoyAdmin(instanceId: string, path: string): Promise<string> {
    return this.instance(instanceId).envoyAdmin(path);
  }

  /** A client-credentials token for a service's Keycloak client. */
  tokenFor(service: string, options: TokenOptions = {}): Promise<string> {
    return this.keycloak.tokenFor(service, options);
  }

  /** An end user's token (needs `identity.unsafePasswordGrantClient`; tests only). */
  userToken(username: string, options: TokenOptions = {}): Promise<string> {
    return this.keycloak.userToken(username, options);
  }

  /**
   * Closes the harness's connections to Consul, then removes every container and the network
   * of this run (nothing, for an attached mesh).
   */
  stop(): Promise<void> {
    this.consulRole?.close();
    return this.stopAll();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
