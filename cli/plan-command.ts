import { shop } from "../examples/shop";
import { compile, type MeshPlan } from "../sdk";
import { MeshwrightError } from "../toolchain/errors";
import { diffPlans, formatDiff, summarizePlan } from "./plan";
import { loadProgram, type ModuleLoader } from "./program-file";

/** `meshwright plan [file] [--json] [--diff other]`. */
export function planCommand(file: string | undefined, opts: { json?: boolean; diff?: string; export?: string }): void {
  const plan = planOf(file, opts.export);
  if (opts.diff !== undefined) {
    console.log(formatDiff(diffPlans(planOf(opts.diff), plan)));
    return;
  }
  console.log(opts.json ? JSON.stringify(plan, null, 2) : summarizePlan(plan));
}

/** The plan a file gives (compiled when it exports a Mesh); the example's without a file. */
export function planOf(file: string | undefined, exportName?: string, load?: ModuleLoader): MeshPlan {
  if (file === undefined) return compile(shop);
  const found = loadProgram(file, exportName, load);
  switch (found.kind) {
    case "mesh":
      return compile(found.spec);
    case "plan":
      return found.plan;
    case "program":
      throw new MeshwrightError(`${file}: export ${found.name} is a Pulumi program (a function); a plan needs a Mesh or a MeshPlan`, {
        fix: "export the Mesh too (export const mesh = new Mesh(...)) and run plan --export mesh",
      });
  }
}
