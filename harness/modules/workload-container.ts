import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { IMAGE_TAGS } from "../../toolchain/images/components";

/** The controllable test service (workload), listening on loopback only. */
export class WorkloadContainer extends GenericContainer {
  private readonly env: Record<string, string>;

  constructor(service: string, instance: string, image: string = IMAGE_TAGS.workload) {
    super(image);
    this.env = { SERVICE_NAME: service, INSTANCE_ID: instance, LISTEN_ADDR: "127.0.0.1:8080" };
    this.withWaitStrategy(Wait.forLogMessage(/"msg":"listening"/)).withStartupTimeout(30_000);
  }

  /** Local listeners of the sidecar, one per upstream service. */
  withUpstreams(upstreams: Record<string, number>): this {
    this.env.UPSTREAMS = Object.entries(upstreams).map(([name, port]) => `${name}=127.0.0.1:${port}`).join(",");
    return this;
  }

  /** Listen address inside the namespace (default `127.0.0.1:8080`). */
  withListenAddr(addr: string): this {
    this.env.LISTEN_ADDR = addr;
    return this;
  }

  override async start(): Promise<StartedWorkloadContainer> {
    this.withEnvironment(this.env);
    return new StartedWorkloadContainer(await super.start());
  }
}

/** What `workload get` printed and how it exited (curl-like exit codes: 7 refused, 28 timeout). */
export interface HttpFromInside {
  exitCode: number;
  status?: number;
  body: string;
}

/** Request options for {@link workloadGet}. */
export interface HttpFromInsideOptions {
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  timeoutMs?: number;
}

/**
 * Runs `workload get` (the workload image's curl-like client) inside a container, so the
 * request starts in that container's network namespace.
 */
export async function workloadGet(container: Pick<StartedTestContainer, "exec">, url: string, opts: HttpFromInsideOptions = {}): Promise<HttpFromInside> {
  const args = ["workload", "get", url];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.method) args.push("-X", opts.method);
  if (opts.body !== undefined) args.push("-d", opts.body);
  if (opts.timeoutMs) args.push("--timeout-ms", String(opts.timeoutMs));
  const r = await container.exec(args);
  const status = /status: (\d+)/.exec(r.stderr)?.[1];
  return { exitCode: r.exitCode, status: status ? Number(status) : undefined, body: r.stdout };
}

/** A running workload; `get` runs the workload's own HTTP client inside its namespace. */
export class StartedWorkloadContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** An HTTP request made from inside the instance's network namespace. */
  get(url: string, opts: HttpFromInsideOptions = {}): Promise<HttpFromInside> {
    return workloadGet(this, url, opts);
  }
}
