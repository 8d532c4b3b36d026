/**
 * A plan that does not fit the cluster fails `pulumi preview`, a proof of the Kubernetes target
 * of targets.test.ts: a real preview, on the real engine and the local cluster, of a
 * KubernetesMeshStack of its own (own stack, namespace and state folder), whose plan gives one
 * service far more memory than the machine has and pins another's pod to a node the cluster
 * does not have (capacity-preview-program.ts, run as a program of its own). The preview must
 * reject with both problems, each naming the pod and the fix, and nothing of the stack may
 * appear in the cluster.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runKubectl, type KubeAccess } from "../../harness/kubernetes/kube-container";
import { STACK_LABEL } from "../../infra/kubernetes/names";
import { MISSING_NODE } from "./capacity-preview-program";

const STACK = "k8s-does-not-fit";
const NAMESPACE = "mw-does-not-fit";
const REPO = join(__dirname, "..", "..");

/** The proof (see the file's TSDoc); prints the preview's error. `access` is the shared stack's kubectl access. */
export async function previewRefusesPlanThatDoesNotFit(access: KubeAccess): Promise<void> {
  const backend = mkdtempSync(join(tmpdir(), "mw-k8s-fit-state-"));
  let run: { code: number; stdout: string; stderr: string };
  try {
    run = await node(["--import", "tsx", join(__dirname, "capacity-preview-program.ts"), STACK, NAMESPACE, backend]);
  } finally {
    rmSync(backend, { recursive: true, force: true });
  }
  const last = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !last.startsWith("{")) throw new Error(`the preview's program failed (exit ${run.code}):\n${run.stderr}\n${run.stdout}`);
  const result = JSON.parse(last) as { rejected: boolean; message?: string; changes?: unknown };
  expect(result).toMatchObject({ rejected: true });
  const diagnostics = diagnosticsOf(result.message!);
  console.log(`pulumi preview of ${STACK} failed, as it must:\n${diagnostics}`);
  expect(diagnostics).toContain(`KubernetesMeshStack ${STACK}: the plan does not fit the cluster (2 problems); nothing was applied:`);
  expect(diagnostics).toMatch(
    /- pod api-1 \(service api\) asks 1 TiB of memory, more than any node that takes pods has allocatable \(the most: [\d.]+ GiB on \S+\);.* fix: lower resources\.memoryMiB of service api in the mesh, or add a larger node/,
  );
  expect(diagnostics).toMatch(
    new RegExp(
      `- pod web-1 is pinned to node "${MISSING_NODE}" \\(kubernetes.io/hostname\\), which the cluster does not have \\(its nodes: [^)]+\\); fix: pin it to one of those`,
    ),
  );

  const all = { ...access, namespace: "default" };
  const namespace = await runKubectl(all, ["get", "namespace", NAMESPACE, "-o", "name", "--ignore-not-found"]);
  const objects = await runKubectl(all, ["get", "all,configmaps,secrets,services", "--all-namespaces", "-l", `${STACK_LABEL}=${STACK}`, "-o", "name"]);
  expect([namespace.exitCode, objects.exitCode]).toEqual([0, 0]);
  expect([...namespace.stdout.split("\n"), ...objects.stdout.split("\n")].map((l) => l.trim()).filter(Boolean)).toEqual([]);
}

/** Node with `args` in the repository's folder (so that `--import tsx` resolves), never rejecting. */
function node(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The preview's "Diagnostics:" section (the engine's error lines), else the whole message. */
function diagnosticsOf(message: string): string {
  const at = message.indexOf("Diagnostics:");
  if (at < 0) return message;
  const end = message.indexOf("\nResources:", at);
  return message.slice(at, end < 0 ? undefined : end).trimEnd();
}
