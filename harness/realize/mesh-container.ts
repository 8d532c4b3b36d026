import type { ExecResult } from "testcontainers";
import { containerLogs } from "../docker/container-logs";

/**
 * What the harness needs of one running container of a mesh. A testcontainers
 * `StartedTestContainer` is one; so is an `AttachedContainer` found by name in a mesh
 * something else started (a `pulumi up`).
 */
export interface MeshContainer {
  /** Docker container id. */
  getId(): string;
  /** Host the published ports are reached on from the test process. */
  getHost(): string;
  /** Host port a container port is published on; throws when it is not published. */
  getMappedPort(port: number): number;
  /** Runs a command inside the container and waits for it to exit. */
  exec(command: string[]): Promise<ExecResult>;
  /**
   * Every log line the container has written so far, when the container reads them itself (a
   * pod's container, through the Kubernetes API); a Docker container's are read through the
   * engine by id. Use {@link logLines}.
   */
  logLines?(): Promise<string[]>;
}

/** Every log line `container` has written so far (stdout and stderr), on Docker or Kubernetes. */
export function logLines(container: MeshContainer): Promise<string[]> {
  return container.logLines ? container.logLines() : containerLogs(container.getId());
}

/** `http://host:port` from the test process for an in-mesh URL (`http://zipkin:9411`) of `container`. */
export function publishedUrl(container: MeshContainer, inMeshUrl: string): string {
  const port = Number(new URL(inMeshUrl).port || 80);
  return `http://${container.getHost()}:${container.getMappedPort(port)}`;
}
