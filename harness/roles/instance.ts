import type { MeshPlan, PlannedInstance, PlannedService } from "../../sdk";
import { execHttp, type ExecHttpOptions, type ExecHttpResult } from "../probes/probe-exec";
import type { MeshContainer } from "../realize/mesh-container";

/**
 * One instance of a service, reached through its probe container (the workload binary, in the
 * instance's network namespace), so everything here works whatever the app's image is. Every
 * port comes from the plan.
 */
export class Instance {
  constructor(
    readonly service: PlannedService,
    readonly spec: PlannedInstance,
    private readonly probe: MeshContainer,
  ) {}

  /** Instance id, e.g. `payment-service-2`. */
  get id(): string {
    return this.spec.id;
  }

  /** An HTTP request from inside the instance's network namespace. */
  http(url: string, opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return execHttp(this.probe, url, opts);
  }

  /** A request to `upstream` through this instance's sidecar (its local listener for it). */
  call(upstream: string, path = "/", opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return this.http(`${this.upstreamUrl(upstream)}${path.startsWith("/") ? path : `/${path}`}`, opts);
  }

  /** The app itself, on loopback, bypassing the sidecar (what only the instance can do). */
  app(path = "/", opts: ExecHttpOptions = {}): Promise<ExecHttpResult> {
    return this.http(`http://127.0.0.1:${this.spec.ports.app}${path}`, opts);
  }

  /** GET a path of this instance's Envoy admin API (loopback inside the instance). */
  async envoyAdmin(path: string): Promise<string> {
    const r = await this.http(`http://127.0.0.1:${this.spec.ports.envoyAdmin}${path}`);
    if (r.exitCode !== 0) throw new Error(`Envoy admin ${path} on ${this.id}: exit ${r.exitCode}`);
    return r.body;
  }

  /** `http://127.0.0.1:<local port>` of an upstream, from the plan. */
  upstreamUrl(upstream: string): string {
    const u = this.service.upstreams.find((x) => x.service === upstream);
    if (!u) throw new Error(`${this.id} has no upstream ${upstream}; its upstreams: ${this.service.upstreams.map((x) => x.service).join(", ") || "none"}`);
    return `http://127.0.0.1:${u.localPort}`;
  }

  /** Runs a command in the probe container. */
  exec(command: string[]): ReturnType<MeshContainer["exec"]> {
    return this.probe.exec(command);
  }
}

/** The plan's instance by id, with its service. */
export function plannedInstance(plan: MeshPlan, id: string): { service: PlannedService; instance: PlannedInstance } {
  for (const service of plan.services) {
    const instance = service.instances.find((i) => i.id === id);
    if (instance) return { service, instance };
  }
  throw new Error(`no instance "${id}" in mesh ${plan.mesh.name}; known: ${plan.services.flatMap((s) => s.instances.map((i) => i.id)).join(", ")}`);
}
