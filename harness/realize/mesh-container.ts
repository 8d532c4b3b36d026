import type { ExecResult } from "testcontainers";

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
}

/** `http://host:port` from the test process for an in-mesh URL (`http://zipkin:9411`) of `container`. */
export function publishedUrl(container: MeshContainer, inMeshUrl: string): string {
  const port = Number(new URL(inMeshUrl).port || 80);
  return `http://${container.getHost()}:${container.getMappedPort(port)}`;
}
