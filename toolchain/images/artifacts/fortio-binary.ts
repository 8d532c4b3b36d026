import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { goModuleBinary } from "./go-build";

/** fortio built from the Go module proxy (cached by version), for bench/mesh. */
export async function fortioBinary(ctx: StepContext): Promise<string> {
  return goModuleBinary(ctx, {
    component: "fortio",
    version: COMPONENTS.fortio,
    mainPackage: "fortio.org/fortio",
    goMod: ["module meshwright.local/fortio-build", "", "go 1.23.0", "", `require fortio.org/fortio v${COMPONENTS.fortio}`, ""].join("\n"),
    ldflags: "-s -w",
  });
}
