import type * as pulumi from "@pulumi/pulumi";
import { changedSecrets, lostSecrets, meshSecretsProvider } from "../../../infra/secrets/provider";
import type { PlanSecret } from "../../../sdk/plan";

const provider = meshSecretsProvider as Required<pulumi.dynamic.ResourceProvider>;
const SPECS: PlanSecret[] = [
  { name: "a", purpose: "", generate: { kind: "password" } },
  { name: "ca", purpose: "", generate: { kind: "tls-ca", commonName: "CA" } },
  { name: "cert", purpose: "", generate: { kind: "tls-cert", ca: "ca", commonName: "x", dnsNames: ["x"], ipAddresses: [] } },
];

describe("MeshSecrets' provider", () => {
  it("generates every value at create", async () => {
    const { outs } = await provider.create({ specs: SPECS });
    expect(Object.keys(outs.values).sort()).toEqual(["a", "ca#cert", "ca#key", "cert#cert", "cert#key"]);
  });

  it("has nothing to change while the specs are the same (a changed purpose is no change)", async () => {
    const { id, outs } = await provider.create({ specs: SPECS });
    expect(await provider.diff(id, outs, { specs: SPECS.map((s) => ({ ...s, purpose: "new words" })) })).toEqual({ changes: false });
  });

  it("keeps every value on update, generating only new names and names whose generator changed", async () => {
    const { id, outs } = await provider.create({ specs: SPECS });
    const next: PlanSecret[] = [
      ...SPECS.slice(0, 2),
      { ...SPECS[2]!, generate: { kind: "tls-cert", ca: "ca", commonName: "x", dnsNames: ["x", "y"], ipAddresses: [] } },
      { name: "b", purpose: "", generate: { kind: "uuid" } },
    ];
    expect(changedSecrets(SPECS, next)).toEqual(["b", "cert"]);
    expect(await provider.diff(id, outs, { specs: next })).toEqual({ changes: true });
    const { outs: updated } = await provider.update(id, outs, { specs: next });
    expect(updated.values.a).toBe(outs.values.a);
    expect(updated.values["ca#key"]).toBe(outs.values["ca#key"]);
    expect(updated.values["cert#cert"]).not.toBe(outs.values["cert#cert"]);
    expect(updated.values.b).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("drops the values of secrets the plan no longer declares", async () => {
    const { id, outs } = await provider.create({ specs: SPECS });
    expect(Object.keys((await provider.update(id, outs, { specs: SPECS.slice(0, 1) })).outs.values)).toEqual(["a"]);
  });
});

describe("a stack whose state lost its secrets", () => {
  it("fails the preview naming the lost secrets, rather than generating new ones the running mesh does not know", async () => {
    const { id, outs } = await provider.create({ specs: SPECS });
    const damaged = { ...outs, values: { a: outs.values.a } };
    await expect(provider.diff(id, damaged, { specs: SPECS })).rejects.toThrow(
      /lost the values of 2 secrets \(ca, cert\).*meshwright down, then meshwright up/,
    );
    expect(lostSecrets(outs, SPECS)).toEqual([]);
  });
});
