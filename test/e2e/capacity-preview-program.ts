/**
 * The program of capacity-preview.ts's proof, run in a Node process of its own as a user's
 * program runs (under jest, Pulumi's handler of unhandled rejections never sees them, so a
 * failing program cannot be observed as Pulumi reports it): a real `pulumi preview` of a
 * KubernetesMeshStack on the local cluster whose plan gives service api far more memory than
 * the machine has and pins web's pod to a node the cluster does not have. Prints one line of
 * JSON: `{ "rejected": true, "message": … }` when the preview failed, else the change summary.
 *
 * Arguments: stack name, namespace, state folder.
 */
import { inlineStack } from "../../infra/automation";
import { KubernetesMeshStack } from "../../infra/kubernetes/mesh-stack";
import { compile, DEFAULT_IMAGES, Mesh } from "../../sdk";
import { clusterKubeconfig } from "../../toolchain/kubernetes";

/** 1 TiB: far more than this machine (and so any node of the local cluster, all on it) has. */
export const MEMORY_MIB = 1024 * 1024;
export const MISSING_NODE = "no-such-node";

async function main(): Promise<void> {
  const [stack, namespace, backend] = process.argv.slice(2) as [string, string, string];
  const mesh = new Mesh("does-not-fit");
  mesh.service("api", { app: { image: DEFAULT_IMAGES.workload, resources: { memoryMiB: MEMORY_MIB } } });
  mesh.service("web");
  const plan = compile(mesh);
  const program = await inlineStack({ project: "meshwright-e2e", stack, backendUrl: `file://${backend}` }, async () => {
    new KubernetesMeshStack(stack, { plan, kubeconfig: clusterKubeconfig(), namespace, nodeOf: (pod) => (pod.name === "web-1" ? MISSING_NODE : undefined) });
    return {};
  });
  const result = await program.preview().then(
    (r) => ({ rejected: false, changes: r.changeSummary }),
    (e: unknown) => ({ rejected: true, message: (e as Error).message }),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) void main();
