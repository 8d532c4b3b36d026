import { spawn } from "node:child_process";
import { join } from "node:path";
import type { ClusterLayout } from "./layout";
import { clusterBin } from "./paths";

/** The admin kubeconfig of a layout: the one `cluster up` prints and users and realizers use. */
export function adminKubeconfig(l: ClusterLayout): string {
  return join(l.kubeconfigs, "admin.kubeconfig");
}

/** What a kubectl run printed. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the cluster's kubectl as the admin, with an optional standard input; never rejects. */
export function kubectl(l: ClusterLayout, args: readonly string[], input?: string, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(join(clusterBin(), "kubectl"), ["--kubeconfig", adminKubeconfig(l), `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`, ...args], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 5_000);
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Whether the API server answers `/readyz`. */
export async function apiServerReady(l: ClusterLayout): Promise<boolean> {
  return (await kubectl(l, ["get", "--raw", "/readyz"], undefined, 5_000)).stdout.trim() === "ok";
}

/** The node's Ready condition: `True`, `False`, `Unknown`, or undefined when the node is not registered. */
export async function nodeReady(l: ClusterLayout, node: string): Promise<string | undefined> {
  const r = await kubectl(l, ["get", "node", node, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], undefined, 5_000);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}
