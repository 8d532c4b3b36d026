/**
 * One set of tests, two targets: the shop mesh started on Docker by the harness, and the same
 * plan through a real `pulumi up` of KubernetesMeshStack on the local cluster (`meshwright
 * cluster up`, started here and removed after), attached through the API
 * (`attachKubernetesMesh`: commands by `kubectl exec`, Consul and Keycloak on their node
 * ports). On each:
 * - discovery: Consul lists exactly the planned instances, passing, and every sidecar sees
 *   the planned endpoints of its upstreams;
 * - balance: user-service's calls spread evenly over payment-service's two primaries (a
 *   goodness-of-fit test), and never reach the backup while they are healthy;
 * - logs: the Consul server's log, through Docker's engine or the Kubernetes API;
 * - auth: payment-service admits POST /pay only with a token carrying payments:write;
 * - failover: both primaries turned unhealthy send every call to the backup, and they take
 *   the traffic back once healthy.
 * On Kubernetes, then: a second `pulumi up` changes nothing, and `pulumi destroy` leaves no
 * object of the stack in the cluster.
 */
import shop from "../../examples/shop";
import "../../harness/matchers";
import { degrade, restore } from "../../harness/probes/chaos";
import { catalogHealth } from "../../harness/probes/discovery";
import { eventually } from "../../harness/probes/eventually";
import { signedByStranger } from "../../harness/probes/forged-tokens";
import { sendTraffic } from "../../harness/probes/traffic";
import { divergences, logLines, waitConverged, type StartedMesh } from "../../harness/realize";
import { balanceSampleSize } from "../../harness/stats";
import { compile } from "../../sdk";
import { dockerTarget, kubernetesTarget, type Target } from "./targets";

const plan = compile(shop);
const CONFIDENCE = { alpha: 0.001, effectSize: 0.2, power: 0.95 };
const payment = plan.services.find((s) => s.name === "payment-service")!;
const [primary1, primary2] = payment.primaryInstances as [string, string];
const backup = payment.instances.find((i) => !payment.primaryInstances.includes(i.id))!.id;

describe.each([dockerTarget(plan), kubernetesTarget(plan)])("the shop mesh on $name", (target: Target) => {
  let mesh: StartedMesh | undefined;

  beforeAll(async () => {
    mesh = await target.up();
    await waitConverged(mesh);
  }, 900_000);

  afterAll(async () => {
    await target.down();
  }, 600_000);

  /** POST /pay from user-service-1, with a token for user-service unless told otherwise. */
  const pay = async (count: number, token?: string) =>
    sendTraffic(mesh!, "user-service-1", "payment-service", {
      count,
      concurrency: 4,
      path: "/pay",
      method: "POST",
      headers: { authorization: `Bearer ${token ?? (await mesh!.tokenFor("user-service"))}` },
    });

  it("discovery: Consul lists exactly the planned, passing instances, and every sidecar sees them", async () => {
    for (const service of plan.services) {
      const instances = await catalogHealth(mesh!, service.name);
      expect(instances.map((i) => [i.id, i.subset, i.status])).toEqual(service.instances.map((i) => [i.id, i.subset, "passing"]).sort());
    }
    expect(await divergences(mesh!)).toEqual([]);
  });

  it("logs: the Consul server's log, read as the target keeps it (Docker's engine, Kubernetes' API), says it is running", async () => {
    const lines = await logLines(mesh!.container(plan.consul.server.container));
    expect(lines.filter((l) => l.includes("Consul agent running!"))).toHaveLength(1);
  });

  it("balance: calls spread evenly over the two primaries, none to the backup", async () => {
    const n = balanceSampleSize(2, CONFIDENCE);
    const sample = await pay(n);
    expect(sample.byStatus()).toEqual({ 200: n });
    expect(sample.byInstance()[backup]).toBeUndefined();
    expect(sample).toMatchWeights({ [primary1]: 1, [primary2]: 1 }, CONFIDENCE);
  });

  it("auth: POST /pay passes only with a token carrying payments:write", async () => {
    const token = await mesh!.tokenFor("user-service");
    const status = async (opts: { token?: string; path?: string; method?: string }) =>
      (
        await mesh!.call("user-service-1", "payment-service", opts.path ?? "/pay", {
          method: opts.method ?? "POST",
          ...(opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {}),
        })
      ).status;
    expect({
      "with its token": await status({ token }),
      "no token": await status({}),
      "a token signed by a stranger": await status({ token: signedByStranger(token) }),
      "GET /pay": await status({ token, method: "GET" }),
      "POST /refund": await status({ token, path: "/refund" }),
    }).toEqual({ "with its token": 200, "no token": 403, "a token signed by a stranger": 403, "GET /pay": 403, "POST /refund": 403 });
  });

  it("failover: with both primaries unhealthy every call goes to the backup, and they take it back when healthy", async () => {
    await degrade(mesh!, primary1, { healthy: false });
    await degrade(mesh!, primary2, { healthy: false });
    try {
      const failedOver = await eventually(
        async () => {
          const s = await pay(50);
          expect(s.byInstance()).toEqual({ [backup]: 50 });
          return s;
        },
        { timeoutMs: 90_000, intervalMs: 1_000, what: "every call answered by the backup" },
      );
      expect(failedOver.byStatus()).toEqual({ 200: 50 });
    } finally {
      await restore(mesh!, primary1);
      await restore(mesh!, primary2);
    }
    await eventually(
      async () => {
        const s = await pay(50);
        expect(Object.keys(s.byInstance()).sort()).toEqual([primary1, primary2].sort());
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: "the primaries answering again" },
    );
  });

  for (const [name, proof] of target.afterShared) it(name, proof, 600_000);
});
