import { compile, Mesh, MeshValidationError, type MeshIssue } from "../../sdk";

describe("a mesh with several mistakes", () => {
  const mesh = new Mesh("shop", { identity: { realm: "shop", scopes: ["payments:write"], issuer: "https://sso.example.com/realms/shop" } });
  const payment = mesh.service("payment-service", {
    instances: 0,
    protocol: "tcp",
    resilience: { retries: { attempts: 2 }, requestTimeout: "2 seconds" as never },
    failover: { subset: "backup" },
  });
  const user = mesh.service("user-service", { upstreams: [payment, "inventory"] });
  payment.allow(user, { paths: ["/pay"], scopes: ["payments:refund"] });
  payment.allow("billing");
  mesh.service("user-service");

  function issues(): readonly MeshIssue[] {
    try {
      compile(mesh);
    } catch (error) {
      if (error instanceof MeshValidationError) return error.issues;
      throw error;
    }
    throw new Error("compile accepted an invalid mesh");
  }

  it("reports every one of them in a single error", () => {
    expect(issues().map((i) => i.path)).toEqual(
      expect.arrayContaining([
        "services.user-service", // duplicate
        "services.payment-service.resilience.requestTimeout", // bad duration
        "services.payment-service.instances", // zero instances
        "services.user-service.upstreams[1]", // unknown upstream
        "services.payment-service.resilience.retries", // retries on tcp
        "services.payment-service.failover.subset", // missing failover subset
        "services.payment-service.access[0].rule", // L7 rule on tcp
        "services.payment-service.access[0].rule.scopes[0]", // undefined scope
        "services.payment-service.access[1].caller", // unknown caller
        "identity.issuer", // issuer mismatch
      ]),
    );
  });

  it("lists them all in the error message, one per line", () => {
    expect.assertions(2);
    try {
      compile(mesh);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/^mesh is invalid \(\d+ issues\):/);
      expect(message.split("\n").length).toBe(issues().length + 1);
    }
  });
});
