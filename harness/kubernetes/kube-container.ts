import { spawn } from "node:child_process";
import type { ExecResult } from "testcontainers";
import type { MeshContainer } from "../realize/mesh-container";

/** How the harness reaches a cluster: its kubectl, kubeconfig and the mesh's namespace. */
export interface KubeAccess {
  /** The kubectl binary. @default "kubectl" (on PATH) */
  readonly kubectl?: string;
  /** The kubeconfig of the cluster. */
  readonly kubeconfig: string;
  /** The namespace the mesh is in. */
  readonly namespace: string;
}

/** What a kubectl run printed, and its exit code (the remote command's, for `exec`). */
export function runKubectl(access: KubeAccess, args: readonly string[], timeoutMs = 120_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(access.kubectl ?? "kubectl", ["--kubeconfig", access.kubeconfig, "--namespace", access.namespace, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run ${access.kubectl ?? "kubectl"}: ${err.message}; put kubectl on PATH or pass its path (npm run meshwright -- cluster build makes one)`,
        ),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ output: stdout + stderr, stdout, stderr, exitCode: code ?? 1 });
    });
  });
}

/**
 * One container of a pod, as the harness uses a Docker container: commands run through
 * `kubectl exec`, and the mesh's front doors (NodePort Services) stand for published ports.
 */
export class KubeContainer implements MeshContainer {
  constructor(
    private readonly access: KubeAccess,
    /** The pod's name. */
    readonly pod: string,
    /** The container's name in the pod (its plan name). */
    readonly container: string,
    /** Address the cluster's node ports answer on, from the test process. */
    private readonly nodeHost: string,
    /** Node port of each container port that is a front door. */
    private readonly nodePorts: ReadonlyMap<number, number>,
  ) {}

  /** `<namespace>/<pod>/<container>`. */
  getId(): string {
    return `${this.access.namespace}/${this.pod}/${this.container}`;
  }

  getHost(): string {
    return this.nodeHost;
  }

  getMappedPort(port: number): number {
    const nodePort = this.nodePorts.get(port);
    if (nodePort === undefined)
      throw new Error(
        `${this.container} (pod ${this.pod}) has no node port for its port ${port}: only the mesh's front doors are reachable from outside the cluster`,
      );
    return nodePort;
  }

  exec(command: string[]): Promise<ExecResult> {
    return runKubectl(this.access, ["exec", this.pod, "-c", this.container, "--", ...command]);
  }

  /** Every log line the container has written so far (stdout and stderr), through the API (`kubectl logs`). */
  async logLines(): Promise<string[]> {
    const r = await runKubectl(this.access, ["logs", this.pod, "-c", this.container]);
    if (r.exitCode !== 0) throw new Error(`cannot read the logs of ${this.getId()}: ${r.stderr.trim()}`);
    return r.stdout.split("\n");
  }
}
