import type { StartedNetwork } from "testcontainers";
import { ConsulAgentContainer, type StartedConsulAgentContainer } from "./consul-agent-container";
import { SidecarContainer, type StartedSidecarContainer } from "./sidecar-container";
import { WorkloadContainer, type StartedWorkloadContainer } from "./workload-container";

/** Where an instance's sidecar listens for mTLS traffic from other sidecars. */
export const SIDECAR_PUBLIC_PORT = 21000;
/** Where each sidecar serves Prometheus metrics. */
export const ENVOY_METRICS_PORT = 20200;
/** Where the workload listens, on loopback only. */
export const WORKLOAD_PORT = 8080;

/** One instance of a service: agent (owns the namespace), workload, and Envoy sidecar. */
export class MeshInstance {
  private upstreams: Record<string, number> = {};
  private extraService: Record<string, unknown> = {};

  /** @param id instance id and container name, e.g. `payment-service-1`. */
  constructor(readonly service: string, readonly id: string) {}

  /** Upstream services and the local port the sidecar listens on for each. */
  withUpstreams(upstreams: Record<string, number>): this {
    this.upstreams = upstreams;
    return this;
  }

  /** Extra fields of the service definition (weights, tags, meta, checks). */
  withServiceFields(fields: Record<string, unknown>): this {
    this.extraService = fields;
    return this;
  }

  /** The Consul service definition this instance registers. */
  serviceDefinition(): object {
    return {
      id: this.id,
      name: this.service,
      port: WORKLOAD_PORT,
      check: { id: `${this.id}-health`, name: "workload /health", http: `http://127.0.0.1:${WORKLOAD_PORT}/health`, interval: "2s", timeout: "1s" },
      connect: {
        sidecar_service: {
          port: SIDECAR_PUBLIC_PORT,
          proxy: {
            // Bootstrap-time settings live in the instance's own registration: an agent that
            // registers before it reaches a server has not merged proxy-defaults yet.
            config: { envoy_prometheus_bind_addr: `0.0.0.0:${ENVOY_METRICS_PORT}` },
            upstreams: Object.entries(this.upstreams).map(([name, port]) => ({ destination_name: name, local_bind_port: port })),
          },
        },
      },
      ...this.extraService,
    };
  }

  async start(network: StartedNetwork): Promise<StartedMeshInstance> {
    const node = await new ConsulAgentContainer(this.id).withNetwork(network).withService(this.serviceDefinition()).start();
    try {
      const app = await new WorkloadContainer(this.service, this.id).withNetworkMode(node.networkMode()).withUpstreams(this.upstreams).start();
      const sidecar = await new SidecarContainer(this.id).withNetworkMode(node.networkMode()).start().catch(async (err) => {
        await app.stop();
        throw err;
      });
      return new StartedMeshInstance(this.service, this.id, node, app, sidecar);
    } catch (err) {
      await node.stop();
      throw err;
    }
  }
}

/** A running instance. */
export class StartedMeshInstance {
  constructor(
    readonly service: string,
    readonly id: string,
    readonly node: StartedConsulAgentContainer,
    readonly app: StartedWorkloadContainer,
    readonly sidecar: StartedSidecarContainer,
  ) {}

  /** Calls an upstream through this instance's sidecar, from inside the instance. */
  call(upstream: string, path = "/", opts: Parameters<StartedWorkloadContainer["get"]>[1] = {}) {
    return this.app.get(`http://127.0.0.1:${WORKLOAD_PORT}/call/${upstream}${path.startsWith("/") ? path : `/${path}`}`, opts);
  }

  /** GET a path of this sidecar's Envoy admin API (bound to loopback inside the instance). */
  async envoyAdmin(path: string): Promise<string> {
    const r = await this.app.get(`http://127.0.0.1:19000${path}`);
    if (r.exitCode !== 0) throw new Error(`Envoy admin ${path} on ${this.id}: exit ${r.exitCode}`);
    return r.body;
  }

  /** Stops sidecar, workload and agent, in that order. */
  async stop(): Promise<void> {
    await this.sidecar.stop().catch(() => undefined);
    await this.app.stop().catch(() => undefined);
    await this.node.stop().catch(() => undefined);
  }
}
