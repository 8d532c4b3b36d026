/**
 * Discovery on the reference mesh, started from the SDK's plan by the harness: Consul's
 * catalog holds exactly the planned instances, healthy; every sidecar sees the planned
 * endpoints of its upstreams; and a call goes through them as the plan's intentions say.
 */
import { getContainerRuntimeClient } from "testcontainers";
import shop from "../../examples/shop";
import { catalogHealth } from "../../harness/probes/discovery";
import { divergences, startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile } from "../../sdk";

const plan = compile(shop);

describe("discovery on the shop mesh", () => {
  let mesh: StartedMesh | undefined;

  beforeAll(async () => {
    mesh = await startMesh(plan, { log: (l) => process.stdout.write(`${l}\n`) });
    await waitConverged(mesh);
  }, 400_000);

  afterAll(async () => {
    const runId = mesh?.runId;
    await mesh?.stop();
    if (runId) {
      const left = await (
        await getContainerRuntimeClient()
      ).container.dockerode.listContainers({ all: true, filters: { label: [`io.meshwright.run=${runId}`] } });
      expect(left.map((c) => c.Names[0])).toEqual([]);
    }
  });

  it.each(plan.services.map((s) => [s.name, s] as const))("Consul lists exactly the planned, passing instances of %s", async (name, service) => {
    const instances = await catalogHealth(mesh!, name);
    expect(instances.map((i) => [i.id, i.subset, i.status])).toEqual(service.instances.map((i) => [i.id, i.subset, "passing"]).sort());
  });

  it("has every sidecar see its upstreams' planned endpoints", async () => {
    expect(await divergences(mesh!)).toEqual([]);
  });

  it("routes user-service's authorized call to a primary payment-service instance", async () => {
    const token = await mesh!.tokenFor("user-service");
    const r = await mesh!.call("user-service-1", "payment-service", "/pay", { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const primaries = plan.services.find((s) => s.name === "payment-service")!.primaryInstances;
    // Who answered, as the answering sidecar stamps it (any app), and as the workload says.
    const stamped = await mesh!.instanceAt(r.headers["x-meshwright-endpoint"] ?? "");
    expect(primaries).toContain(stamped);
    expect((JSON.parse(r.body) as { instance: string }).instance).toBe(stamped);
  });

  it("refuses what the intention does not allow: no token, or the wrong method", async () => {
    const token = await mesh!.tokenFor("user-service");
    expect((await mesh!.call("user-service-1", "payment-service", "/pay", { method: "POST" })).status).toBe(403);
    expect((await mesh!.call("user-service-1", "payment-service", "/pay", { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  });
});
