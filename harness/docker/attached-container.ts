import type Dockerode from "dockerode";
import { PassThrough } from "node:stream";
import type { ExecResult } from "testcontainers";
import type { MeshContainer } from "../realize/mesh-container";

/**
 * A running container the harness did not start, known by its `docker inspect`: published
 * ports are read from its bindings, and commands run through Docker's exec API.
 */
export class AttachedContainer implements MeshContainer {
  constructor(
    private readonly docker: Dockerode,
    private readonly info: Dockerode.ContainerInspectInfo,
  ) {}

  getId(): string {
    return this.info.Id;
  }

  /** The container's name without Docker's leading slash. */
  getName(): string {
    return this.info.Name.replace(/^\//, "");
  }

  getHost(): string {
    return "127.0.0.1";
  }

  getMappedPort(port: number): number {
    const binding = this.info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    if (!binding) throw new Error(`container ${this.getName()} does not publish port ${port}`);
    return Number(binding.HostPort);
  }

  exec(command: string[]): Promise<ExecResult> {
    return dockerExec(this.docker, this.info.Id, command);
  }
}

/** Runs a command in a container through Docker's exec API and waits for it to end. */
export async function dockerExec(docker: Dockerode, containerId: string, command: string[]): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = collect();
  const err = collect();
  docker.modem.demuxStream(stream, out.sink, err.sink);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  const stdout = out.text();
  const stderr = err.text();
  return { output: stdout + stderr, stdout, stderr, exitCode: ExitCode ?? -1 };
}

function collect(): { sink: PassThrough; text: () => string } {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (c: Buffer) => chunks.push(c));
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}
