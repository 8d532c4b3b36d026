import fc from "fast-check";
import { z } from "zod";
import { compile, type MeshPlan } from "../../sdk";
import shop from "../../examples/shop";
import { validMeshSpec } from "./arbitraries";
import { agentConfig, CONFIG_ENTRY_SCHEMAS, serviceDefinition } from "./schemas/consul-1.16";
import { realmRepresentation } from "./schemas/keycloak-26";

function problems(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

/** Every document of a plan checked against the documented schema of its component. */
function conformance(plan: MeshPlan): string[] {
  const out: string[] = [];
  plan.consul.configEntries.forEach((entry, i) => {
    const schema = CONFIG_ENTRY_SCHEMAS[entry.Kind];
    if (!schema) out.push(`configEntries[${i}]: no schema for ${entry.Kind}`);
    else out.push(...problems(schema, entry).map((p) => `configEntries[${i}] ${entry.Kind}/${entry.Name} ${p}`));
  });
  out.push(...problems(agentConfig, plan.consul.serverConfig).map((p) => `serverConfig ${p}`));
  for (const c of plan.containers.filter((x) => x.role === "node")) {
    const config = JSON.parse(c.files[0]?.content ?? "{}") as { services?: unknown[] };
    out.push(...problems(agentConfig, config).map((p) => `${c.name} agent ${p}`));
    for (const s of config.services ?? []) out.push(...problems(serviceDefinition, s).map((p) => `${c.name} service ${p}`));
  }
  if (plan.keycloak) out.push(...problems(realmRepresentation, plan.keycloak.realm).map((p) => `realm ${p}`));
  return out;
}

/** Config entries that reference other names must reference ones the plan defines. */
function dangling(plan: MeshPlan): string[] {
  const services = new Set([...plan.services.map((s) => s.name), ...plan.ingresses.map((g) => g.name)]);
  const defaults = new Set(plan.consul.configEntries.filter((e) => e.Kind === "service-defaults").map((e) => e.Name));
  const providers = new Set(plan.consul.configEntries.filter((e) => e.Kind === "jwt-provider").map((e) => e.Name));
  const out: string[] = [];
  plan.consul.configEntries.forEach((e, i) => {
    if (["service-router", "service-splitter"].includes(e.Kind) && !defaults.has(e.Name)) out.push(`${e.Kind} ${e.Name} precedes no service-defaults protocol`);
    if (e.Kind === "service-intentions" && e.Name !== "*") {
      for (const s of e["Sources"] as { Name: string; Permissions?: { JWT?: { Providers: { Name: string }[] } }[] }[]) {
        if (!services.has(s.Name)) out.push(`intention ${e.Name} names unknown source ${s.Name}`);
        for (const p of s.Permissions ?? [])
          for (const pr of p.JWT?.Providers ?? []) if (!providers.has(pr.Name)) out.push(`intention ${e.Name} names unknown provider ${pr.Name}`);
      }
      if (plan.consul.configEntries.findIndex((x) => x.Kind === "jwt-provider") > i) out.push("intentions written before the jwt-provider");
    }
  });
  return out;
}

describe("compiled documents follow the components' documented schemas", () => {
  it("the shop's Consul config entries, agent configs, service definitions and realm conform", () => {
    const plan = compile(shop);
    expect(conformance(plan)).toEqual([]);
    expect(dangling(plan)).toEqual([]);
  });

  it("every generated mesh conforms too", () => {
    fc.assert(
      fc.property(validMeshSpec, (spec) => {
        const plan = compile(spec);
        expect(conformance(plan)).toEqual([]);
        expect(dangling(plan)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("container files are valid JSON (prometheus.yml is JSON, which YAML reads)", () => {
    for (const c of compile(shop).containers)
      for (const f of c.files.filter((x) => /\.(json|yml)$/.test(x.path))) expect(() => JSON.parse(f.content)).not.toThrow();
  });
});
