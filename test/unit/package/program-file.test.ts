import { join } from "node:path";
import { loadProgram as load_ } from "../../../cli/program-file";
import { planOf as planOf_ } from "../../../cli/plan-command";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const fixture = (name: string) => join(__dirname, "..", "..", "fixtures", "programs", name);
// jest's own module system (ts-jest) stands in for tsx, which cannot load inside jest's sandbox.

const load = (path: string): unknown => require(path);
const loadProgram = (file: string, exportName?: string) => load_(file, exportName, load);
const planOf = (file: string) => planOf_(file, undefined, load);

describe("the program file contract of meshwright up / plan", () => {
  it("takes the default export when it is a Mesh, even beside other exports", () => {
    const found = loadProgram(fixture("default-mesh.ts"));
    expect(found).toMatchObject({ kind: "mesh", name: "default" });
    expect(found.kind === "mesh" && found.spec.name).toBe("tiny");
  });

  it("takes the only named export that is a program (a function), ignoring plain values", () => {
    const found = loadProgram(fixture("named-function.ts"));
    expect(found).toMatchObject({ kind: "program", name: "program" });
    expect(found.kind === "program" && found.run()).toEqual({ answer: 42 });
  });

  it("compiles a Mesh to its plan, and reads a plan written as JSON back as the same plan", () => {
    const plan = planOf(fixture("default-mesh.ts"));
    expect(plan.mesh.name).toBe("tiny");
    const file = join(mkdtempSync(join(tmpdir(), "mw-plan-")), "plan.json");
    writeFileSync(file, JSON.stringify(plan));
    expect(loadProgram(file)).toEqual({ kind: "plan", name: "default", plan });
    expect(planOf(file)).toEqual(plan);
  });

  it("says in one line what it expected and what it found when nothing qualifies", () => {
    expect(() => loadProgram(fixture("nothing.ts"))).toThrow(
      new RegExp(
        "^[^\\n]*nothing\\.ts exports no mesh program: expected a Mesh, a MeshPlan, or a function that builds a MeshStack \\(the Pulumi program\\); " +
          "found config \\(an object\\), Helper \\(a class\\), port \\(a number\\)$",
      ),
    );
  });

  it("asks which one when several qualify, and --export picks it", () => {
    expect(() => loadProgram(fixture("several.ts"))).toThrow(
      /exports several programs: mesh \(mesh\), program \(program\)\n {2}fix: pick one with --export mesh/,
    );
    expect(loadProgram(fixture("several.ts"), "program")).toMatchObject({ kind: "program" });
    expect(() => loadProgram(fixture("several.ts"), "nope")).toThrow("has no export named nope; it exports mesh (a Mesh), program (a function)");
  });

  it("tells a program that creates resources as it loads to export a function instead", () => {
    expect(() => loadProgram(fixture("pulumi-style.ts"))).toThrow(/creates Pulumi resources as it loads[^]*fix: wrap the program in a function and export it/);
  });

  it("refuses a plan for a file that exports only a Pulumi program", () => {
    expect(() => planOf(fixture("named-function.ts"))).toThrow("export program is a Pulumi program (a function); a plan needs a Mesh or a MeshPlan");
  });

  it("names a missing file", () => {
    expect(() => loadProgram("no/such/file.ts")).toThrow("no/such/file.ts: no such file");
  });
});
