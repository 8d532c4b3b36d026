import fc from "fast-check";
import { compile, MeshValidationError, secretRefsIn, validate, type MeshSpec } from "../../sdk";
import { paths, replaceAt, validMeshSpec } from "./arbitraries";

describe("compile over generated meshes", () => {
  it("accepts every generated valid mesh", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        expect(validate(spec)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("is deterministic: the same mesh compiles to byte-identical JSON", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const first = JSON.stringify(compile(spec));
        const again = JSON.stringify(compile(structuredClone(spec)));
        expect(again).toBe(first);
      }),
      { numRuns: 100 },
    );
  });

  it("builds plans of plain data that share no object with the spec (compile makes no deep copy)", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
        const specObjects = objectsIn(spec);
        expect([...objectsIn(plan)].filter((o) => specObjects.has(o))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("references secrets only in the texts realizers resolve (and compile checks): env, files, config entries", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const texts = [
          ...plan.containers.flatMap((c) => [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.files.map((f) => f.content)]),
          JSON.stringify(plan.consul.configEntries),
        ];
        const resolved = new Set(texts.flatMap((t) => secretRefsIn(t)));
        expect(secretRefsIn(JSON.stringify(plan)).filter((ref) => !resolved.has(ref))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("produces plans whose containers start after their dependencies and names are unique", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const names = plan.containers.map((c) => c.name);
        expect(new Set(names).size).toBe(names.length);
        plan.containers.forEach((c) => c.dependsOn.forEach((d) => expect(names.indexOf(d)).toBeGreaterThanOrEqual(0)));
        plan.containers.forEach((c, i) => c.dependsOn.forEach((d) => expect(names.indexOf(d)).toBeLessThan(i)));
        const splitters = plan.consul.configEntries.filter((e) => e.Kind === "service-splitter") as unknown as { Splits: { Weight: number }[] }[];
        for (const s of splitters) expect(Math.round(s.Splits.reduce((a, b) => a + b.Weight, 0) * 100)).toBe(10000);
      }),
      { numRuns: 100 },
    );
  });

  it("never throws anything but MeshValidationError, whatever field is corrupted", () => {
    fc.assert(
      fc.property(validMeshSpec, fc.nat(), fc.anything({ withNullPrototype: false }), (spec, pick, junk) => {
        const all = paths(spec);
        const target = all[pick % all.length] ?? [];
        const corrupted = replaceAt(spec, target, junk) as MeshSpec;
        try {
          compile(corrupted);
        } catch (error) {
          if (!(error instanceof MeshValidationError)) throw error;
          expect(error.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("never throws anything but MeshValidationError for arbitrary input", () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        try {
          compile(junk as MeshSpec);
        } catch (error) {
          if (!(error instanceof MeshValidationError)) throw error;
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** Every object and array reachable from a value. */
function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if (value === null || typeof value !== "object" || found.has(value)) return found;
  found.add(value);
  for (const item of Object.values(value)) objectsIn(item, found);
  return found;
}
