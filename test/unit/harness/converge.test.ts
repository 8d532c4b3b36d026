import shop from "../../../examples/shop";
import { expectedAuthorization, expectedEndpoints, expectedGatewayEndpoints } from "../../../harness/realize/converge";
import { compile, Mesh } from "../../../sdk";

const plan = compile(shop);

describe("what waitConverged waits for on the shop", () => {
  it("every caller instance sees the healthy primaries of each upstream (the backup is failover only)", () => {
    expect(expectedEndpoints(plan)).toEqual([{ instance: "user-service-1", upstream: "payment-service", endpoints: 2 }]);
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
    expect(expectedGatewayEndpoints(plan)).toEqual([{ gateway: "web", service: "user-service", endpoints: 1 }]);
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
      { gateway: "edge", service: "a", endpoints: 2 },
      { gateway: "edge", service: "b", endpoints: 1 },
    ]);
  });
});
