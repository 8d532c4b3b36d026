import shop from "../../../examples/shop";
import { expectedAuthorization, expectedEndpoints, expectedGatewayEndpoints } from "../../../harness/realize/converge";
import { compile, Mesh } from "../../../sdk";

const plan = compile(shop);

describe("what waitConverged waits for on the shop", () => {
  it("every caller instance sees the healthy primaries of each upstream, and the backup subset as member 1 of their failover chain", () => {
    expect(expectedEndpoints(plan)).toEqual([
      {
        where: "user-service-1",
        service: "payment-service",
        subset: "backup",
        failoverOf: { service: "payment-service", subset: "primary", index: 1 },
        endpoints: 1,
      },
      { where: "user-service-1", service: "payment-service", subset: "primary", endpoints: 2 },
    ]);
  });

  it("follows an upstream's discovery chain: routes to other services and subsets, split subsets, failover to another service's subset", () => {
    const mesh = new Mesh("chain");
    const api = mesh.service("api", {
      instances: [{ subset: "v1" }, { subset: "v1" }, { subset: "v2" }],
      splits: [
        { subset: "v1", weight: 90 },
        { subset: "v2", weight: 10 },
      ],
      routes: [{ pathPrefix: "/beta/", service: "beta", subset: "canary" }],
      failover: { service: "dr", subset: "warm" },
    });
    const beta = mesh.service("beta", { instances: [{ subset: "canary" }, { subset: "stable" }] });
    const dr = mesh.service("dr", { instances: [{ subset: "warm" }, { subset: "cold" }] });
    const web = mesh.service("web", { upstreams: [api] });
    for (const s of [api, beta, dr]) s.allow(web);
    expect(expectedEndpoints(compile(mesh))).toEqual([
      { where: "web-1", service: "api", subset: "v1", endpoints: 2 },
      { where: "web-1", service: "api", subset: "v2", endpoints: 1 },
      { where: "web-1", service: "beta", subset: "canary", endpoints: 1 },
      { where: "web-1", service: "dr", subset: "warm", failoverOf: { service: "api", subset: "v1", index: 1 }, endpoints: 1 },
    ]);
  });

  it("every destination instance has loaded its callers' intentions, and the realm's keys where a rule needs a JWT", () => {
    expect(expectedAuthorization(plan)).toEqual([
      { instance: "payment-service-1", sources: ["user-service"], jwt: true },
      { instance: "payment-service-2", sources: ["user-service"], jwt: true },
      { instance: "payment-service-3", sources: ["user-service"], jwt: true },
      { instance: "user-service-1", sources: ["web"], jwt: false },
    ]);
  });

  it("every ingress gateway sees the healthy primaries of each service its routes lead to", () => {
    expect(expectedGatewayEndpoints(plan)).toEqual([{ where: "web", service: "user-service", endpoints: 1 }]);
  });

  it("follows a host's path routes through the virtual service's router to each service", () => {
    const mesh = new Mesh("paths");
    const a = mesh.service("a", { instances: 2 });
    const b = mesh.service("b");
    mesh.ingress("edge", {
      listeners: [
        {
          port: 8080,
          routes: [
            { host: "x.test", service: a },
            { host: "x.test", pathPrefix: "/b/", service: b },
          ],
        },
      ],
    });
    expect(expectedGatewayEndpoints(compile(mesh))).toEqual([
      { where: "edge", service: "a", endpoints: 2 },
      { where: "edge", service: "b", endpoints: 1 },
    ]);
  });
});
