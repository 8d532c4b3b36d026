import { engineLog, ensureEngine } from "../toolchain/engine/build";
import { engineBin } from "../toolchain/engine/paths";
import { duration } from "../toolchain/progress";

/** `meshwright engine`: builds the Pulumi engine (CLI and plugins) where it is missing or stale. */
export async function engine(): Promise<void> {
  const started = Date.now();
  const { built } = await ensureEngine();
  console.log(built.length ? `engine: built ${built.join(", ")} in ${duration(Date.now() - started)} → ${engineBin()}` : `engine: up to date (${engineBin()})`);
}

export { engineLog };
