import { engineLog, ensureEngine } from "../toolchain/engine/build";
import { ensureKubernetesProvider } from "../toolchain/engine/kubernetes-provider";
import { engineBin } from "../toolchain/engine/paths";
import { duration } from "../toolchain/progress";

/** `meshwright engine`: builds the Pulumi engine (CLI and plugins, the Kubernetes provider when asked) where it is missing or stale. */
export async function engine(opts: { kubernetes?: boolean } = {}): Promise<void> {
  const started = Date.now();
  const { built } = await ensureEngine();
  if (opts.kubernetes && (await ensureKubernetesProvider()).built) built.push("pulumi-resource-kubernetes");
  console.log(built.length ? `engine: built ${built.join(", ")} in ${duration(Date.now() - started)} → ${engineBin()}` : `engine: up to date (${engineBin()})`);
}

export { engineLog };
