import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MeshwrightError } from "../toolchain/errors";
import { Mesh, PLAN_VERSION, type MeshPlan, type MeshSpec } from "../sdk";

/**
 * What a program file gives meshwright's `up`, `preview`, `down` and `plan`:
 * - `mesh`: a {@link Mesh}, realized as a MeshStack named after it (ports and images from stack config);
 * - `plan`: a compiled {@link MeshPlan} (e.g. `compile(mesh)`, or a plan written as JSON), the same way;
 * - `program`: a function, run as the Pulumi program itself; it builds a MeshStack (and
 *   anything else) and may return the stack outputs.
 */
export type ProgramExport =
  | { readonly kind: "mesh"; readonly name: string; readonly spec: MeshSpec }
  | { readonly kind: "plan"; readonly name: string; readonly plan: MeshPlan }
  | { readonly kind: "program"; readonly name: string; readonly run: () => unknown };

/** The contract in one line, for errors and help. */
export const CONTRACT = "a Mesh, a MeshPlan, or a function that builds a MeshStack (the Pulumi program)";

/**
 * Loads a program file (TypeScript or JavaScript, through tsx; or a `.json` plan) and picks what
 * it exports: its default export when that is one of {@link CONTRACT}, else its only named
 * export that is, or the one `exportName` names. Anything else is a one-line error saying what
 * was expected and what was found.
 */
export function loadProgram(file: string, exportName?: string, load: ModuleLoader = tsxLoad): ProgramExport {
  const path = resolve(file);
  if (!existsSync(path)) throw new MeshwrightError(`${file}: no such file`, { fix: "give the path of a program file (.ts, .js) or a plan (.json)" });
  const loaded = path.endsWith(".json") ? { default: JSON.parse(readFileSync(path, "utf8")) as unknown } : loadModule(path, file, load);
  const entries = Object.entries(loaded)
    .filter(([name]) => name !== "__esModule")
    .sort(([a], [b]) => a.localeCompare(b));
  if (exportName !== undefined) {
    if (!entries.some(([name]) => name === exportName)) throw new MeshwrightError(`${file} has no export named ${exportName}; it exports ${found(entries)}`);
    const picked = classify(exportName, loaded[exportName]);
    if (!picked) throw new MeshwrightError(`${file}: export ${exportName} is ${describe(loaded[exportName])}; expected ${CONTRACT}`);
    return picked;
  }
  const byDefault = classify("default", loaded.default);
  if (byDefault) return byDefault;
  const candidates = entries.map(([name, value]) => classify(name, value)).filter((c): c is ProgramExport => c !== undefined);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1)
    throw new MeshwrightError(`${file} exports several programs: ${candidates.map((c) => `${c.name} (${c.kind})`).join(", ")}`, {
      fix: `pick one with --export ${candidates[0]!.name}, or make it the default export`,
    });
  throw new MeshwrightError(`${file} exports no mesh program: expected ${CONTRACT}; found ${found(entries)}`);
}

/** Loads a module by absolute path and returns its `module.exports`. */
export type ModuleLoader = (path: string) => unknown;

/** tsx's require: TypeScript and JavaScript, CommonJS and ESM, with the user's tsconfig. */
const tsxLoad: ModuleLoader = (path) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { require: tsxRequire } = require("tsx/cjs/api") as typeof import("tsx/cjs/api");
  return tsxRequire(path, __filename);
};

/** The module's exports: the CommonJS view (`module.exports`). */
function loadModule(path: string, file: string, load: ModuleLoader): Record<string, unknown> {
  let loaded: unknown;
  try {
    loaded = load(path);
  } catch (error) {
    if (/Program run without the Pulumi engine available|Pulumi CLI/i.test(String((error as Error).message)))
      throw new MeshwrightError(`${file} creates Pulumi resources as it loads; meshwright runs it as a program only when it exports one`, {
        fix: "wrap the program in a function and export it: export default () => { const stack = new MeshStack(...); return { consulUrl: stack.consulUrl }; }",
        cause: error,
      });
    throw error;
  }
  if (typeof loaded === "function") return { default: loaded };
  return (loaded ?? {}) as Record<string, unknown>;
}

function classify(name: string, value: unknown): ProgramExport | undefined {
  if (isMesh(value)) return { kind: "mesh", name, spec: value.toSpec() };
  if (isPlan(value)) return { kind: "plan", name, plan: value };
  if (typeof value === "function" && !isClass(value)) return { kind: "program", name, run: value as () => unknown };
  return undefined;
}

/** A Mesh, also from another copy of meshwright's SDK (the user's, resolved elsewhere). */
function isMesh(value: unknown): value is Mesh {
  if (value instanceof Mesh) return true;
  return typeof value === "object" && value !== null && value.constructor?.name === "Mesh" && typeof (value as Mesh).toSpec === "function";
}

function isPlan(value: unknown): value is MeshPlan {
  const v = value as Partial<MeshPlan> | null;
  return typeof v === "object" && v !== null && v.version === PLAN_VERSION && Array.isArray(v.containers) && typeof v.mesh?.name === "string";
}

function isClass(value: unknown): boolean {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const plan = value as { version?: unknown; containers?: unknown };
    if ("containers" in plan && plan.version !== PLAN_VERSION)
      return `a plan of version ${String(plan.version)} (this meshwright reads version ${PLAN_VERSION}; compile it again)`;
    return value.constructor && value.constructor !== Object ? `a ${value.constructor.name}` : "an object";
  }
  if (typeof value === "function") return isClass(value) ? "a class" : "a function";
  return `a ${typeof value}`;
}

function found(entries: readonly [string, unknown][]): string {
  return entries.length ? entries.map(([name, value]) => `${name} (${describe(value)})`).join(", ") : "no exports";
}
