import type { ContainerSpec, MeshPlan } from "../../sdk";
import { workloadGet, type HttpFromInside as ExecHttpResult, type HttpFromInsideOptions as ExecHttpOptions } from "../modules/workload-container";
import type { MeshContainer } from "./mesh-container";

export type { ExecHttpOptions, ExecHttpResult };

/** A plan container that is running. */
export interface StartedPlanContainer {
  readonly spec: ContainerSpec;
  readonly container: MeshContainer;
}

/** A mesh running on real containers; `stop()` (or `await using`) removes all of it. */
export class StartedMesh implements AsyncDisposable {
  constructor(
    readonly plan: MeshPlan,
    /** What this run is called: the harness run id (labels and name prefixes), or `attached:<mesh>`. */
    readonly runId: string,
    /** The Docker network the mesh's containers are on (join it to reach them by plan name). */
    readonly networkName: string,
    private readonly started: ReadonlyMap<string, StartedPlanContainer>,
    private readonly stopAll: () => Promise<void>,
  ) {}

  /** A running container by its plan name (e.g. `payment-service-2-app`). */
  container(name: string): MeshContainer {
    const c = this.started.get(name);
    if (!c) throw new Error(`no container "${name}" in mesh ${this.plan.mesh.name}; known: ${[...this.started.keys()].join(", ")}`);
    return c.container;
  }

  /** Base URL of Consul's HTTP API from the test process. */
  consulUrl(): string {
    return this.hostUrl(this.plan.consul.server.container, this.plan.consul.server.httpPort);
  }

  /** Base URL of Keycloak from the test process (tokens still carry the in-mesh issuer). */
  keycloakUrl(): string {
    const kc = this.plan.containers.find((c) => c.role === "keycloak");
    if (!kc) throw new Error(`mesh ${this.plan.mesh.name} has no Keycloak`);
    return this.hostUrl(kc.name, 8080);
  }

  /** Base URL of Prometheus from the test process. */
  prometheusUrl(): string {
    const p = this.plan.containers.find((c) => c.role === "prometheus");
    if (!p) throw new Error(`mesh ${this.plan.mesh.name} has no Prometheus`);
    return this.hostUrl(p.name, 9090);
  }

  /** An HTTP request made from inside an instance's network namespace, by its workload. */
  httpFrom(instanceId: string, url: string, opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return workloadGet(this.container(`${instanceId}-app`), url, opts);
  }

  /** Calls `upstream` through the instance's sidecar (`/call/<upstream><path>` on its workload). */
  call(instanceId: string, upstream: string, path = "/", opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return this.httpFrom(instanceId, `http://127.0.0.1:8080/call/${upstream}${path.startsWith("/") ? path : `/${path}`}`, opts);
  }

  /** GET a path of an instance's Envoy admin API (loopback inside the instance). */
  async envoyAdmin(instanceId: string, path: string): Promise<string> {
    const r = await this.httpFrom(instanceId, `http://127.0.0.1:19000${path}`);
    if (r.exitCode !== 0) throw new Error(`Envoy admin ${path} on ${instanceId}: exit ${r.exitCode}`);
    return r.body;
  }

  /** Mints a client-credentials token for a service's Keycloak client. */
  async tokenFor(service: string): Promise<string> {
    const kc = this.plan.keycloak;
    const client = kc?.clients.find((c) => c.service === service && c.secret);
    if (!kc || !client) throw new Error(`service ${service} has no Keycloak client in mesh ${this.plan.mesh.name}`);
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: client.secret! });
    const res = await fetch(`${this.keycloakUrl()}/realms/${kc.realmName}/protocol/openid-connect/token`, { method: "POST", body: form });
    if (!res.ok) throw new Error(`token for ${service}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Removes every container and the network of this run (nothing, for an attached mesh). */
  stop(): Promise<void> {
    return this.stopAll();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private hostUrl(name: string, port: number): string {
    const c = this.container(name);
    return `http://${c.getHost()}:${c.getMappedPort(port)}`;
  }
}
