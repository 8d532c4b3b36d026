import "../peers";
import { MeshwrightError } from "../../toolchain/errors";
import { requirePeers } from "../../toolchain/peers";
import type { VerdictOptions } from "../stats/balance-verdict";
import { balanceMatchers, type Counts } from "./balance";

/**
 * jest's `expect`: the global one inside a jest test, else the one `@jest/globals` exports
 * (jest with `injectGlobals: false`). Outside jest there is nothing to extend: say so.
 */
function jestExpect(): { extend(matchers: object): void } {
  const global = (globalThis as { expect?: { extend(matchers: object): void } }).expect;
  if (global) return global;
  requirePeers("meshwright/harness/matchers");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("@jest/globals") as { expect: { extend(matchers: object): void } }).expect;
  } catch (error) {
    throw new MeshwrightError("meshwright/harness/matchers adds matchers to jest's expect, and this is not a jest test", {
      fix: "import it in a jest test file, or list it in jest's setupFilesAfterEnv",
      cause: error,
    });
  }
}

jestExpect().extend(balanceMatchers);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** The spread over instances is consistent with these weights (chi-square at the stated confidence). */
      toMatchWeights(weights: Readonly<Record<string, number>>, options?: VerdictOptions): R;
      /** Each key (key → traffic sample) stuck to one instance, and keys spread over these instances. */
      toBeSticky(instances: readonly string[], alpha?: number): R;
      /** Requests sent one at a time took these instances in turn (far fewer repeats than random picking). */
      toBeRoundRobin(instances: readonly string[], alpha?: number): R;
      /** This instance got fewer requests than a fair share of these instances (one-sided binomial test). */
      toShun(instance: string, instances: readonly string[], alpha?: number): R;
      /** The spread over these instances is consistent with uniform. */
      toBeUniform(instances: readonly string[], options?: VerdictOptions): R;
    }
  }
}

export { balanceMatchers, type Counts };
