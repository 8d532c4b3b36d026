import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { workloadBinary, workloadSourceHash } from "../artifacts/workload-binary";
import { COMPONENTS } from "../components";
import { dockerRecipe } from "./docker-recipe";

/** `meshwright/workload`: the controllable test service in workload. */
export const workload = dockerRecipe({
  name: "workload",
  version: `workload ${COMPONENTS.workload}`,
  inputs: () => [workloadSourceHash()],
  async stage(dir, ctx) {
    copyFileSync(await workloadBinary(ctx), join(dir, "workload"));
  },
});
