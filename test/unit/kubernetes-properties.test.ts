/** Properties of the Kubernetes manifests over generated meshes (infra/kubernetes). */
import fc from "fast-check";
import { compile, secretRefsIn, type MeshPlan } from "../../sdk";
import { kubernetesManifests, withSecretValues, type KubeObject, type KubernetesManifests } from "../../infra/kubernetes";
import type { ServiceObject, WorkloadObject } from "../../infra/kubernetes/objects";
import { secretValueKeys } from "../../infra/secrets/references";
import { validMeshSpec } from "./arbitraries";

const manifestsOf = (plan: MeshPlan): KubernetesManifests => kubernetesManifests(plan, { namespace: "mesh", stack: "dev" });
const workloads = (objects: readonly KubeObject[]) => objects.filter((o): o is WorkloadObject => o.kind === "Deployment" || o.kind === "StatefulSet");
const selects = (s: ServiceObject, w: WorkloadObject) => Object.entries(s.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v);

describe("Kubernetes manifests of any valid mesh", () => {
  it("run every plan container in exactly one pod, and nothing else besides the volume owners", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const m = manifestsOf(plan);
        const run = workloads(m.objects).flatMap((w) =>
          [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers].map((c) => c.name),
        );
        const owners = plan.containers.filter((c) => c.volumes?.length).map((c) => `${c.name}-volumes`);
        expect([...run].sort()).toEqual([...plan.containers.map((c) => c.name), ...owners].sort());
      }),
      { numRuns: 60 },
    );
  });

  it("resolve every network alias to exactly the pods whose containers hold it, as on Docker", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const m = manifestsOf(plan);
        const podOf = new Map(m.pods.flatMap((p) => p.containers.map((c) => [c.name, p.name] as const)));
        for (const alias of new Set(plan.containers.flatMap((c) => c.networkAliases))) {
          const svc = m.objects.find((o): o is ServiceObject => o.kind === "Service" && o.metadata.name === alias);
          expect(svc?.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
          const expected = plan.containers.filter((c) => c.networkAliases.includes(alias)).map((c) => podOf.get(c.name));
          expect(
            workloads(m.objects)
              .filter((w) => selects(svc!, w))
              .map((w) => w.metadata.name),
          ).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keep every secret value out of ConfigMaps, Services and workloads: only Secrets hold them once resolved", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const m = manifestsOf(plan);
        const values = Object.fromEntries(secretValueKeys(plan.secrets).map((k, i) => [k, `SECRET-VALUE-${i}-${k}`]));
        const resolved = withSecretValues(m.objects, values);
        const outside = JSON.stringify(resolved.filter((o) => o.kind !== "Secret"));
        expect(outside).not.toContain("SECRET-VALUE-");
        expect(secretRefsIn(outside)).toEqual([]);
        // ...and the Secrets hold every value a container uses.
        const inside = JSON.stringify(resolved.filter((o) => o.kind === "Secret"));
        const used = new Set(plan.containers.flatMap((c) => [...Object.values(c.env), ...c.files.map((f) => f.content)].flatMap((t) => secretRefsIn(t))));
        for (const key of used) expect(inside).toContain(values[key]);
      }),
      { numRuns: 60 },
    );
  });

  it("are deterministic plain data: the same plan gives byte-identical JSON", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        const first = manifestsOf(plan);
        expect(JSON.parse(JSON.stringify(first))).toStrictEqual(first);
        expect(JSON.stringify(manifestsOf(structuredClone(plan)))).toBe(JSON.stringify(first));
      }),
      { numRuns: 40 },
    );
  });

  it("never wait on a pod that is not there, nor on themselves", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const m = manifestsOf(compile(spec));
        const names = new Set(m.pods.map((p) => p.name));
        for (const p of m.pods) for (const d of p.dependsOn) expect(names.has(d) && d !== p.name).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
