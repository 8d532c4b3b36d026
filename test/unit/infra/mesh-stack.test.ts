import * as pulumi from "@pulumi/pulumi";
import { shop } from "../../../examples/shop";
import { compile, Mesh, MeshValidationError } from "../../../sdk";
import { MeshStack } from "../../../infra/mesh-stack";
import { recordResources, settle, valueOf, type Registered } from "./mocks";

const CONTAINER = "docker:index/container:Container";
const plan = compile(shop);

describe("MeshStack realizing the shop example", () => {
  let registered: Registered[];
  let stack: MeshStack;
  beforeAll(async () => {
    registered = recordResources();
    stack = new MeshStack("shop", { mesh: shop });
    await valueOf(stack.serviceAddresses);
    await settle();
  });
  const byType = (t: string) => registered.filter((r) => r.type === t);
  const container = (planName: string) => registered.find((r) => r.type === CONTAINER && r.name === `shop-${planName}`)!;

  it("creates one component, one network and one container per plan container", () => {
    const counts = registered.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});
    expect(counts).toEqual({ "meshwright:infra:MeshStack": 1, "docker:index/network:Network": 1, [CONTAINER]: plan.containers.length });
    expect(plan.containers).toHaveLength(16) // consul, keycloak, 4 instances × (node, app, sidecar), web, prometheus;
    expect(byType(CONTAINER).map((r) => r.name).sort()).toEqual(plan.containers.map((c) => `shop-${c.name}`).sort());
    expect(byType("docker:index/network:Network").map((r) => [r.name, r.inputs.name])).toEqual([["shop-network", "shop-shop-net"]]);
  });

  it.each(plan.services.flatMap((s) => s.instances.map((i) => [i.app, i.sidecar, i.node] as const)))(
    "%s and %s are in %s's network namespace",
    (app, sidecar, node) => {
      for (const name of [app, sidecar]) {
        expect(container(name).inputs.networkMode).toBe(`container:shop-${node}-id`);
        expect(container(name).inputs.networksAdvanced).toBeUndefined();
      }
    },
  );

  it.each(plan.containers.filter((c) => !c.networkMode).map((c) => [c.name, c.networkAliases] as const))(
    "%s is on the mesh network only, with aliases %j",
    (name, aliases) => {
      expect(container(name).inputs.networksAdvanced).toEqual([{ name: "shop-shop-net", aliases }]);
      expect(container(name).inputs.networkMode).toBeUndefined();
    },
  );

  it("waits for every container with a health check, so an unhealthy one fails the update", () => {
    for (const spec of plan.containers) {
      const inputs = container(spec.name).inputs;
      expect(inputs.wait).toBe(spec.healthCheck ? true : undefined);
      if (spec.healthCheck) expect(inputs.healthcheck).toMatchObject({ tests: spec.healthCheck.test, retries: spec.healthCheck.retries });
      expect(inputs.restart).toBe(spec.restartPolicy);
    }
  });

  it("orders containers by the plan's dependsOn", async () => {
    // The mock engine sees registrations in dependency order; a dependency is never after its dependent.
    const order = byType(CONTAINER).map((r) => r.name);
    for (const spec of plan.containers)
      for (const dep of spec.dependsOn) expect(order.indexOf(`shop-${dep}`)).toBeLessThan(order.indexOf(`shop-${spec.name}`));
  });

  it("marks the Keycloak admin password, client secrets and the realm file as secrets", async () => {
    expect(await pulumi.isSecret(stack.containers.keycloak!.envs)).toBe(true);
    expect(await pulumi.isSecret(stack.containers.keycloak!.uploads)).toBe(true);
    expect(await pulumi.isSecret(stack.containers["payment-service-1-app"]!.envs)).toBe(true);
    expect(await pulumi.isSecret(stack.keycloakAdmin)).toBe(true);
    // Not everything is secret: a container without secrets stays readable.
    expect(await pulumi.isSecret(stack.containers.consul!.envs)).toBe(false);
    expect(await pulumi.isSecret(stack.containers.consul!.uploads)).toBe(false);
  });

  it("publishes the front doors on 127.0.0.1 and reports their URLs and every instance's address", async () => {
    expect(container("consul").inputs.ports).toEqual([{ internal: 8500, external: 8500, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(await valueOf(stack.consulUrl)).toBe("http://127.0.0.1:8500");
    expect(await valueOf(stack.keycloakUrl)).toBe("http://127.0.0.1:8080");
    expect(await valueOf(stack.ingressUrl)).toBe("http://127.0.0.1:8000");
    expect(await valueOf(stack.prometheusUrl)).toBe("http://127.0.0.1:9090");
    const addresses = await valueOf(stack.serviceAddresses);
    expect(Object.keys(addresses)).toEqual(["payment-service", "user-service"]);
    expect(Object.keys(addresses["payment-service"]!)).toEqual(["payment-service-1", "payment-service-2", "payment-service-3"]);
    expect(addresses["user-service"]!["user-service-1"]).toMatch(/^10\.9\.0\.\d+$/);
  });
});

describe("MeshStack with an invalid mesh", () => {
  it("throws the SDK's MeshValidationError and registers nothing", async () => {
    const registered = recordResources();
    const bad = new Mesh("bad");
    bad.service("user-service", { upstreams: ["ghost"] });
    expect(() => new MeshStack("bad", { mesh: bad })).toThrow(MeshValidationError);
    expect(() => new MeshStack("bad", { mesh: bad })).toThrow('services.user-service.upstreams[0]: unknown upstream "ghost"');
    await settle();
    expect(registered).toEqual([]);
  });
});

describe("MeshStack options", () => {
  it("applies image overrides by role, a name prefix and unpublished ports", async () => {
    const registered = recordResources();
    new MeshStack("s2", { plan, images: { workload: "meshwright/workload:dev" }, namePrefix: "t1-", ports: { consul: false, keycloak: 18080 } });
    await settle();
    const c = (n: string) => registered.find((r) => r.name === `s2-${n}`)!.inputs;
    expect(c("payment-service-1-app").image).toBe("meshwright/workload:dev");
    expect(c("payment-service-1-sidecar").image).toBe(plan.images.sidecar);
    expect(c("consul").name).toBe("t1-consul");
    expect(c("consul").ports).toEqual([]);
    expect(c("keycloak").ports).toEqual([expect.objectContaining({ internal: 8080, external: 18080 })]);
  });
});
