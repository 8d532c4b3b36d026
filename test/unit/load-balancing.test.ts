import { compile, Mesh, type LoadBalancing, type InstanceProps, type MeshPlan } from "../../sdk";
import { expectGolden } from "./golden";

/** A caller and a three-instance backend using `lb`; returns the Consul fields the strategy sets. */
function consulFieldsFor(lb: LoadBalancing, instances: InstanceProps[] = [{}, {}, {}]) {
  const mesh = new Mesh("lb");
  const backend = mesh.service("backend", { instances, loadBalancing: lb });
  const caller = mesh.service("caller", { upstreams: [backend] });
  backend.allow(caller);
  const plan: MeshPlan = compile(mesh);
  const of = (kind: string) => plan.consul.configEntries.find((e) => e.Kind === kind && e.Name === "backend");
  return {
    "service-resolver": of("service-resolver") ?? null,
    "service-splitter": of("service-splitter") ?? null,
    weights: plan.services.find((s) => s.name === "backend")?.instances.map((i) => i.registration["weights"]),
  };
}

const strategies: [string, LoadBalancing, InstanceProps[]][] = [
  ["round-robin", { policy: "round_robin" }, [{}, {}, {}]],
  ["random", { policy: "random" }, [{}, {}, {}]],
  ["least-request", { policy: "least_request", choiceCount: 3 }, [{}, {}, {}]],
  ["weighted-instances", { policy: "weighted" }, [{ weight: 5 }, { weight: 3 }, { weight: 1 }]],
  [
    "weighted-subsets",
    {
      policy: "weighted",
      splits: [
        { subset: "v1", weight: 2 },
        { subset: "v2", weight: 1 },
      ],
    },
    [{ subset: "v1" }, { subset: "v1" }, { subset: "v2" }],
  ],
  ["ip-hash", { policy: "ring_hash", hashPolicies: [{ sourceIp: true }] }, [{}, {}, {}]],
  ["ring-hash-header", { policy: "ring_hash", hashPolicies: [{ header: "x-user-id" }], minimumRingSize: 1024, maximumRingSize: 8192 }, [{}, {}, {}]],
  [
    "maglev-cookie",
    {
      policy: "maglev",
      hashPolicies: [
        { cookie: "session", ttl: "1h", path: "/" },
        { sourceIp: true, terminal: true },
      ],
    },
    [{}, {}, {}],
  ],
];

describe("each load-balancing strategy sets the matching Consul fields", () => {
  it.each(strategies)("%s matches its golden Consul fields", (name, lb, instances) => {
    expectGolden(`load-balancing/${name}`, consulFieldsFor(lb, instances));
  });

  it("round robin sets the resolver policy and nothing else", () => {
    expect(consulFieldsFor({ policy: "round_robin" })["service-resolver"]).toEqual({
      Kind: "service-resolver",
      Name: "backend",
      LoadBalancer: { Policy: "round_robin" },
    });
  });

  it("random sets Policy random", () => {
    expect(consulFieldsFor({ policy: "random" })["service-resolver"]).toMatchObject({ LoadBalancer: { Policy: "random" } });
  });

  it("least request carries its choice count (default 2)", () => {
    expect(consulFieldsFor({ policy: "least_request", choiceCount: 3 })["service-resolver"]).toMatchObject({
      LoadBalancer: { Policy: "least_request", LeastRequestConfig: { ChoiceCount: 3 } },
    });
    expect(consulFieldsFor({ policy: "least_request" })["service-resolver"]).toMatchObject({ LoadBalancer: { LeastRequestConfig: { ChoiceCount: 2 } } });
  });

  it("weighted puts per-instance weights into Weights.Passing", () => {
    const fields = consulFieldsFor({ policy: "weighted" }, [{ weight: 5 }, { weight: 3 }, { weight: 1 }]);
    expect(fields.weights).toEqual([
      { passing: 5, warning: 1 },
      { passing: 3, warning: 1 },
      { passing: 1, warning: 1 },
    ]);
  });

  it("weighted splits become a splitter over subsets, in percentages summing to 100", () => {
    const fields = consulFieldsFor(
      {
        policy: "weighted",
        splits: [
          { subset: "v1", weight: 2 },
          { subset: "v2", weight: 1 },
        ],
      },
      [{ subset: "v1" }, { subset: "v2" }],
    );
    expect(fields["service-splitter"]).toEqual({
      Kind: "service-splitter",
      Name: "backend",
      Splits: [
        { Weight: 66.67, ServiceSubset: "v1" },
        { Weight: 33.33, ServiceSubset: "v2" },
      ],
    });
    expect(fields["service-resolver"]).toMatchObject({
      Subsets: { v1: { Filter: 'Service.Meta.subset == "v1"' }, v2: { Filter: 'Service.Meta.subset == "v2"' } },
    });
  });

  it("IP hash is ring_hash hashing the source IP", () => {
    expect(consulFieldsFor({ policy: "ring_hash", hashPolicies: [{ sourceIp: true }] })["service-resolver"]).toMatchObject({
      LoadBalancer: { Policy: "ring_hash", HashPolicies: [{ SourceIP: true }] },
    });
  });

  it("ring hash on a header carries ring sizes", () => {
    expect(
      consulFieldsFor({ policy: "ring_hash", hashPolicies: [{ header: "x-user-id" }], minimumRingSize: 1024, maximumRingSize: 8192 })["service-resolver"],
    ).toMatchObject({
      LoadBalancer: {
        Policy: "ring_hash",
        RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 },
        HashPolicies: [{ Field: "header", FieldValue: "x-user-id" }],
      },
    });
  });

  it("maglev on a cookie carries the cookie config and terminal flags", () => {
    expect(
      consulFieldsFor({
        policy: "maglev",
        hashPolicies: [
          { cookie: "session", ttl: "1h", path: "/" },
          { sourceIp: true, terminal: true },
        ],
      })["service-resolver"],
    ).toMatchObject({
      LoadBalancer: {
        Policy: "maglev",
        HashPolicies: [
          { Field: "cookie", FieldValue: "session", CookieConfig: { TTL: "1h", Path: "/" } },
          { SourceIP: true, Terminal: true },
        ],
      },
    });
  });

  it("a caller's per-upstream load balancing configures the service's resolver", () => {
    const mesh = new Mesh("lb");
    const backend = mesh.service("backend", { instances: 2 });
    mesh.service("caller", { upstreams: [{ service: backend, loadBalancing: { policy: "random" } }] });
    const resolver = compile(mesh).consul.configEntries.find((e) => e.Kind === "service-resolver");
    expect(resolver).toEqual({ Kind: "service-resolver", Name: "backend", LoadBalancer: { Policy: "random" } });
  });
});
