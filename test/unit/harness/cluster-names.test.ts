/**
 * Envoy cluster names of a Consul 1.16.3 mesh, read from real `/clusters?format=json` dumps of
 * a caller's sidecar (test/fixtures/envoy/README.md says how they were captured): subsets and
 * splits, failover to another service and to a subset, a route to another service.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { healthyEndpointsOf, parseClusterName, type MeshClusterName } from "../../../harness/probes/discovery";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/envoy", name), "utf8");
const CONVERGED = fixture("clusters-converged.json");
const PRIMARIES_DOWN = fixture("clusters-primaries-down.json");
const names = (json: string) => (JSON.parse(json) as { cluster_statuses: { name: string }[] }).cluster_statuses.map((c) => c.name).sort();

/** The trust domain of the captured mesh's CA (`<cluster id>.consul`). */
const TD = "8bdb8150-ffbd-3001-de2a-05cfd4361463.consul";

/** Every cluster name in the fixtures, and what it says. */
const EXPECTED: Readonly<Record<string, MeshClusterName | undefined>> = {
  // Splits: one cluster per subset, named `<subset>.<service>…`.
  [`v1.cart.default.dc1.internal.${TD}`]: { service: "cart", subset: "v1" },
  [`v2.cart.default.dc1.internal.${TD}`]: { service: "cart", subset: "v2" },
  // Failover to another service: the aggregate (no endpoints) and its members, all named for
  // the primary; member 1 holds pay-backup's endpoints.
  [`pay.default.dc1.internal.${TD}`]: { service: "pay" },
  [`failover-target~0~pay.default.dc1.internal.${TD}`]: { service: "pay", failoverTarget: 0 },
  [`failover-target~1~pay.default.dc1.internal.${TD}`]: { service: "pay", failoverTarget: 1 },
  // Failover to a subset: the same, under the default subset; member 1 holds the backup subset.
  [`primary.stock.default.dc1.internal.${TD}`]: { service: "stock", subset: "primary" },
  [`failover-target~0~primary.stock.default.dc1.internal.${TD}`]: { service: "stock", subset: "primary", failoverTarget: 0 },
  [`failover-target~1~primary.stock.default.dc1.internal.${TD}`]: { service: "stock", subset: "primary", failoverTarget: 1 },
  // A route of cart's service-router to another service: that service's plain cluster.
  [`other.default.dc1.internal.${TD}`]: { service: "other" },
  // The sidecar's own clusters.
  local_app: undefined,
  local_agent: undefined,
  self_admin: undefined,
};

describe("parseClusterName on a real Consul 1.16 sidecar", () => {
  it.each([
    ["clusters-converged.json", CONVERGED],
    ["clusters-primaries-down.json", PRIMARIES_DOWN],
  ])("%s has exactly the clusters this table names", (_, json) => {
    expect(names(json)).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    expect(parseClusterName(name)).toEqual(expected);
  });

  it.each([
    "prometheus_backend",
    "exposed_cluster_8080",
    "original-destination",
    `passthrough~pay.default.dc1.internal.${TD}`, // transparent proxy's passthrough to a target
    `pay.default.default.peer1.external.${TD}`, // a peer's service
    "keys.internal.example.consul", // "internal", but not a mesh target's name
    `.pay.default.dc1.internal.${TD}`,
    `x.v1.pay.default.dc1.internal.${TD}`,
    `pay.default.dc1.internal.${TD}.local`,
  ])("%s is not a mesh target's cluster", (name) => {
    expect(parseClusterName(name)).toBeUndefined();
  });
});

describe("healthyEndpointsOf on a real Consul 1.16 sidecar", () => {
  // [service, subset, failover member, converged, cart-1, pay-1 and stock-1 down]
  it.each<[string, string | undefined, number | undefined, number, number]>([
    ["cart", undefined, undefined, 2, 1], // the most of v1 (2, then 1 of 2) and v2 (1)
    ["cart", "v1", undefined, 2, 1],
    ["cart", "v2", undefined, 1, 1],
    ["cart", "v3", undefined, 0, 0],
    ["pay", undefined, undefined, 1, 0], // member 0 only: pay-backup's endpoint is not pay's
    ["pay", undefined, 1, 1, 1], // pay-backup, as pay's failover target 1
    ["pay", undefined, 2, 0, 0],
    ["pay-backup", undefined, undefined, 0, 0], // never under its own name
    ["stock", undefined, undefined, 1, 0],
    ["stock", "primary", undefined, 1, 0],
    ["stock", "primary", 1, 1, 1], // the backup subset
    ["stock", "backup", undefined, 0, 0], // never under its own name
    ["other", undefined, undefined, 1, 1],
    ["front", undefined, undefined, 0, 0],
    ["local_app", undefined, undefined, 0, 0],
  ])("%s subset %s failover member %s: %i healthy, then %i", (service, subset, member, converged, down) => {
    expect(healthyEndpointsOf(CONVERGED, service, subset, member)).toBe(converged);
    expect(healthyEndpointsOf(PRIMARIES_DOWN, service, subset, member)).toBe(down);
  });

  it("control: matching name parts, as before, counts pay-backup's endpoint as pay's", () => {
    const loose = (json: string, service: string) =>
      Math.max(
        0,
        ...(JSON.parse(json) as { cluster_statuses: { name: string; host_statuses: { health_status: { eds_health_status: string } }[] }[] }).cluster_statuses
          .filter((c) => c.name.split(/[.~]/).includes(service))
          .map((c) => c.host_statuses.filter((h) => h.health_status.eds_health_status === "HEALTHY").length),
      );
    expect(loose(PRIMARIES_DOWN, "pay")).toBe(1);
    expect(healthyEndpointsOf(PRIMARIES_DOWN, "pay")).toBe(0);
  });

  it("is 0 for an Envoy without clusters", () => {
    expect(healthyEndpointsOf("{}", "pay")).toBe(0);
  });
});
