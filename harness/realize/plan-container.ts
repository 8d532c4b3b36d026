import { getContainerRuntimeClient, getReaper, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import type { ContainerSpec } from "../../sdk";
import { HealthWait } from "./health-wait";
import type { PublishAddress } from "./publish-address";
import { SingleNetworkContainer } from "./single-network-container";

/** Labels every container and network of one run carries, so leftovers can be found. */
export const RUN_LABEL = "io.meshwright.run";

/** testcontainers' session label: its reaper removes what carries it when the process dies. */
const SESSION_LABEL = "org.testcontainers.session-id";

/** Where one plan container runs in one harness run. */
export interface RunContext {
  /** Short id unique to this run; prefixes every Docker name. */
  readonly runId: string;
  readonly network: StartedNetwork;
  /** How long a container may take to become healthy. */
  readonly startupTimeoutMs: number;
  /** Where published ports are bound and dialled (see `publishAddress`). */
  readonly publish: PublishAddress;
}

/** The Docker container name of a plan container in a run (plan names stay network aliases). */
export function dockerName(run: Pick<RunContext, "runId">, planName: string): string {
  return `${run.runId}-${planName}`;
}

/**
 * A plan container translated 1:1 into a testcontainers container: same image, entrypoint,
 * command, env, files, aliases, restart policy and health check. It waits for the plan's own
 * health check, so the realizer decides nothing the plan did not say.
 */
export class PlanContainer extends SingleNetworkContainer {
  constructor(
    readonly spec: ContainerSpec,
    private readonly run: RunContext,
  ) {
    super(spec.image);
    this.withName(dockerName(run, spec.name))
      .withLabels({ [RUN_LABEL]: run.runId, "io.meshwright.role": spec.role, "io.meshwright.name": spec.name })
      .withCommand(spec.command)
      .withEnvironment(spec.env)
      .withStartupTimeout(run.startupTimeoutMs);
    if (spec.entrypoint) this.withEntrypoint(spec.entrypoint);
    if (spec.files.length) this.withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.path, mode: f.mode ?? 0o644 })));
    if (spec.user !== undefined) this.withUser(spec.user);
    if (spec.security) {
      if (spec.security.capDrop.length) this.withDroppedCapabilities(...spec.security.capDrop);
      if (spec.security.noNewPrivileges) this.withSecurityOpt("no-new-privileges:true");
    }
    if (spec.networkMode) {
      this.withNetworkMode(`container:${dockerName(run, spec.networkMode.container)}`);
    } else {
      this.withNetwork(run.network).withNetworkAliases(...spec.networkAliases);
      if (spec.ports.length) this.withExposedPorts(...spec.ports.map((p) => p.container));
    }
    if (spec.healthCheck) {
      const h = spec.healthCheck;
      this.withHealthCheck({
        test: h.test as ["CMD", ...string[]],
        interval: h.intervalMs,
        timeout: h.timeoutMs,
        retries: h.retries,
        startPeriod: h.startPeriodMs,
      });
      // Docker 25+ checks at the start interval while the container starts; older engines
      // ignore the field. The harness does not depend on it: HealthWait runs the check itself.
      this.createOpts.Healthcheck = { ...this.createOpts.Healthcheck, StartInterval: h.startIntervalMs * 1e6 };
      this.withWaitStrategy(new HealthWait(h));
    }
  }

  /** Started, with `getHost()` the address the ports were published on. */
  override async start(): Promise<StartedTestContainer> {
    const started = await super.start();
    const { dialHost } = this.run.publish;
    return Object.assign(started, { getHost: () => dialHost });
  }

  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    this.hostConfig.RestartPolicy = { Name: this.spec.restartPolicy };
    if (this.spec.volumes?.length) this.hostConfig.Binds = [...(this.hostConfig.Binds ?? []), ...(await this.createVolumes())];
    // Published on one address (loopback when Docker runs beside the tests), as MeshStack
    // does: Docker's default (every interface) puts Consul, Keycloak's admin console and
    // every sidecar in reach of anyone who can reach the host.
    const published = (this.hostConfig.PortBindings ?? {}) as Record<string, { HostIp?: string }[]>;
    for (const bindings of Object.values(published)) for (const b of bindings) b.HostIp = this.run.publish.bindIp;
    const r = this.spec.resources;
    if (r?.nanoCpus !== undefined) this.hostConfig.NanoCpus = r.nanoCpus;
    if (r?.memoryBytes !== undefined) {
      this.hostConfig.Memory = r.memoryBytes;
      this.hostConfig.MemorySwap = r.memoryBytes; // no swap beyond the limit, as MeshStack does
    }
  }

  /**
   * The plan's named volumes for this run, labelled like its containers (removed with the
   * run, and by the reaper if the test process dies); returns their `name:path` binds.
   */
  private async createVolumes(): Promise<string[]> {
    const client = await getContainerRuntimeClient();
    const { create, binds } = runVolumes(this.run, this.spec, (await getReaper(client)).sessionId);
    // Creating a volume that exists returns it: a container recreated in the run gets its data back.
    for (const v of create) await client.container.dockerode.createVolume(v);
    return binds;
  }
}

/**
 * The Docker volumes of a plan container's `volumes` in one run, and their `name:path` binds:
 * named with the run's prefix (two runs never share one), labelled with the run (removed with
 * it, see `removeRunContainers`) and with testcontainers' session (the reaper removes them
 * when the test process dies).
 */
export function runVolumes(
  run: Pick<RunContext, "runId">,
  spec: Pick<ContainerSpec, "volumes">,
  sessionId: string,
): { create: { Name: string; Labels: Record<string, string> }[]; binds: string[] } {
  const volumes = spec.volumes ?? [];
  return {
    create: volumes.map((v) => ({
      Name: dockerName(run, v.name),
      Labels: { [RUN_LABEL]: run.runId, [SESSION_LABEL]: sessionId, "io.meshwright.purpose": v.purpose.slice(0, 200) },
    })),
    binds: volumes.map((v) => `${dockerName(run, v.name)}:${v.path}`),
  };
}
