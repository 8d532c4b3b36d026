import * as pulumi from "@pulumi/pulumi";
import { planFit, type NodeCapacity } from "./capacity";
import type { KubernetesManifests } from "./manifests";
import { readNodeCapacity, readNodeCapacitySync, type NodesUnreadable } from "./nodes";

/**
 * The check of a component's plan against the cluster, where the kubeconfig is known when the
 * component is constructed (a path or contents given as a string): the nodes are read there and
 * then, and a plan that does not fit throws every problem in one `pulumi.RunError` (which
 * Pulumi prints without a stack) before the component exists, so nothing is registered, in a
 * preview as in an update. When the nodes cannot be read the check is skipped with a warning
 * saying why.
 */
export function checkCapacityNow(component: string, manifests: Pick<KubernetesManifests, "objects">, kubeconfig: string): void {
  const problems = problemsOf(component, manifests, readNodeCapacitySync(kubeconfig));
  if (problems) throw new PlanDoesNotFit(problems);
}

/**
 * The same check where the kubeconfig is an output (e.g. a secret from the stack's config, or a
 * cluster made by the same program): something for the component's `dependsOn` that resolves to
 * no resources once the plan is known to fit, so the component, and with it every child (they
 * wait for their parent to register), is registered only then. When it does not fit, the
 * problems are logged as an error, which fails the run whatever else happens, and the output
 * rejects, so the component and its children are never registered. A kubeconfig not known yet
 * (a cluster this program creates) is not checked in a preview; the update checks it.
 */
export function capacityGate(
  component: string,
  manifests: Pick<KubernetesManifests, "objects">,
  kubeconfig: pulumi.Input<string>,
): pulumi.Output<pulumi.Resource[]> {
  return pulumi.output(kubeconfig).apply(async (text): Promise<pulumi.Resource[]> => {
    const problems = problemsOf(component, manifests, await readNodeCapacity(text));
    if (problems) {
      // A rejected registration is reported through the process's unhandled-rejection handler,
      // which a host such as jest replaces; the logged error fails the run regardless.
      await pulumi.log.error(problems);
      throw new PlanDoesNotFit(`${component}: the plan does not fit the cluster; see the error above`);
    }
    return [];
  });
}

/** The error text listing every problem, or undefined when the plan fits (or the nodes cannot be read, after a warning). */
function problemsOf(component: string, manifests: Pick<KubernetesManifests, "objects">, nodes: NodeCapacity[] | NodesUnreadable): string | undefined {
  if (!Array.isArray(nodes)) {
    void pulumi.log.warn(
      `${component}: the check that the plan fits the cluster is skipped: ${nodes.reason}. Set skipCapacityCheck: true to skip it without this warning.`,
    );
    return undefined;
  }
  const problems = planFit(manifests, nodes);
  if (!problems.length) return undefined;
  return (
    `${component}: the plan does not fit the cluster (${problems.length} ${problems.length === 1 ? "problem" : "problems"}); nothing was applied:\n` +
    problems.map((p) => `  - ${p}`).join("\n") +
    `\n(set skipCapacityCheck: true to apply it anyway, e.g. on a cluster that adds nodes on demand)`
  );
}

/** Why a plan does not fit its cluster: a RunError, which Pulumi prints without a stack. */
class PlanDoesNotFit extends pulumi.RunError {
  constructor(text: string) {
    super(text);
    // Every child input that awaited a failed gate rethrows this very error after prefixing its
    // message ("error serializing property …", once per level of nesting); keep it as written.
    Object.defineProperty(this, "message", { get: () => text, set: () => undefined, enumerable: false });
  }
}
