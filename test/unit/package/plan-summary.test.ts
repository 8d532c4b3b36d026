import { diffPlans, formatDiff, summarizePlan } from "../../../cli/plan";
import { shop } from "../../../examples/shop";
import { compile, Mesh } from "../../../sdk";

const tiny = (weights: number[]) => {
  const mesh = new Mesh("tiny");
  const orders = mesh.service("orders", { instances: weights.map((weight) => ({ weight })), loadBalancing: { policy: "weighted" } });
  mesh.service("web", { upstreams: [orders] });
  orders.allow("web");
  return compile(mesh);
};

describe("meshwright plan", () => {
  it("summarizes who runs, who calls whom, and what Consul gets", () => {
    const summary = summarizePlan(compile(shop));
    expect(summary).toMatch(/^mesh shop \(datacenter dc1, plan version 2\)/);
    expect(summary).toContain("payment-service  3 instances (payment-service-1/primary, payment-service-2/primary, payment-service-3/backup), http:8080");
    expect(summary).toContain("user-service     1 instance (user-service-1/primary), http:8080, calls payment-service");
    expect(summary).toMatch(/^consul: \d+ config entries \(.*service-intentions \d+/m);
  });

  it("finds no difference between a plan and itself", () => {
    expect(diffPlans(tiny([1, 1]), tiny([1, 1]))).toEqual([]);
    expect(formatDiff([])).toBe("the plans are the same");
  });

  it("matches services and containers by name, so a change stays at its own path", () => {
    const changes = diffPlans(tiny([1, 1]), tiny([3, 1])).filter((c) => c.path.startsWith("services["));
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes)
      expect(c).toMatchObject({
        path: expect.stringMatching(/^services\[orders\]\.instances\[orders-1\]\./) as unknown,
        change: "changed",
        before: 1,
        after: 3,
      });
    expect(formatDiff(changes)).toMatch(/~ services\[orders\]\.instances\[orders-1\]\.weight: 1 → 3/);
    const added = diffPlans(tiny([1]), tiny([1, 1])).filter((c) => c.path.startsWith("containers["));
    expect(added.length).toBeGreaterThan(0);
    for (const c of added) expect(c).toMatchObject({ path: expect.stringMatching(/^containers\[orders-2(-[a-z]+)?\]$/) as unknown, change: "added" });
  });
});
