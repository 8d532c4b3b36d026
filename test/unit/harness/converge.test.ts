import shop from "../../../examples/shop";
import { expectedAuthorization, expectedEndpoints } from "../../../harness/realize/converge";
import { compile } from "../../../sdk";

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
});
