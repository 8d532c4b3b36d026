import * as pulumi from "@pulumi/pulumi";
import { runInNewContext } from "node:vm";
import { entryDrift, type ConfigEntry } from "../../sdk";
import { durationNs } from "../../sdk/compile/consul/drift";
import { intentions, intentionsAsConsulHoldsThem } from "./entry-drift-fixtures";

/** Drift or not, as waitConverged and MeshStack both judge it: [what, planned, live, drift?]. */
const SHARED: [string, ConfigEntry, Record<string, unknown> | undefined, boolean][] = [
  ["Consul's own fields, and named sources in another order", intentions, intentionsAsConsulHoldsThem, false],
  [
    "a list of one read back as its element",
    { Kind: "proxy-defaults", Name: "global", EnvoyExtensions: [{ Name: "x", Arguments: { Patches: [{ Op: "add" }] } }] },
    { Kind: "proxy-defaults", Name: "global", EnvoyExtensions: [{ Name: "x", Arguments: { Patches: { Op: "add" } } }] },
    false,
  ],
  [
    "a left-out false, durations in nanoseconds",
    { Kind: "jwt-provider", Name: "k", Flag: false, Remote: { Timeout: "5s", Every: "1m30s" } },
    { Kind: "jwt-provider", Name: "k", Remote: { Timeout: 5e9, Every: 90e9 } },
    false,
  ],
  [
    "the mesh entry without its Name",
    { Kind: "mesh", Name: "mesh", HTTP: { SanitizeXForwardedClientCert: true } },
    { Kind: "mesh", HTTP: { SanitizeXForwardedClientCert: true } },
    false,
  ],
  ["an added source", intentions, { ...intentions, Sources: [...(intentions.Sources as unknown[]), { Name: "*", Action: "allow" }] }, true],
  [
    "a widened path",
    intentions,
    {
      ...intentions,
      Sources: [
        { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/" } }] },
        { Name: "web", Action: "allow" },
      ],
    },
    true,
  ],
  ["another timeout", { Kind: "jwt-provider", Name: "k", Remote: { Timeout: "5s" } }, { Kind: "jwt-provider", Name: "k", Remote: { Timeout: 6e9 } }, true],
  ["a deleted entry", intentions, undefined, true],
];

describe("config entry drift across the forms Consul writes a value in", () => {
  it.each(SHARED)("%s", (_what, planned, live, drifted) => {
    expect(entryDrift(planned, live).length > 0).toBe(drifted);
  });

  it.each([
    [
      "a duration respelt (1m as 1m0s)",
      { Kind: "service-defaults", Name: "a", UpstreamConfig: { Defaults: { PassiveHealthCheck: { Interval: "1m" } } } },
      { Kind: "service-defaults", Name: "a", UpstreamConfig: { Defaults: { PassiveHealthCheck: { Interval: "1m0s" } } } },
    ],
    [
      "a number as a string",
      { Kind: "service-defaults", Name: "a", MaxInboundConnections: 10 },
      { Kind: "service-defaults", Name: "a", MaxInboundConnections: "10" },
    ],
    [
      "a key in snake case",
      { Kind: "service-defaults", Name: "a", max_inbound_connections: 10 },
      { Kind: "service-defaults", Name: "a", MaxInboundConnections: 10 },
    ],
    [
      "an unnamed list in another order",
      { Kind: "service-router", Name: "a", Methods: ["GET", "POST"] },
      { Kind: "service-router", Name: "a", Methods: ["POST", "GET"] },
    ],
  ] as [string, ConfigEntry, Record<string, unknown>][])("forgives %s", (_what, planned, live) => {
    expect(entryDrift(planned, live)).toEqual([]);
  });

  it("says where an entry differs", () => {
    expect(
      entryDrift(intentions, {
        ...intentions,
        Sources: [
          { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/" } }] },
          { Name: "web", Action: "allow" },
        ],
      }),
    ).toEqual(['service-intentions/pay.Sources[ui].Permissions[0].HTTP.PathPrefix: "/pay" in the plan, "/" in Consul']);
    expect(entryDrift(intentions, undefined)).toEqual(["service-intentions/pay: missing from Consul"]);
  });

  it.each([
    ["5s", 5e9],
    ["1m30s", 90e9],
    ["500ms", 5e8],
    ["1h0m0s", 3600e9],
    ["5", undefined],
    ["fast", undefined],
  ])("reads the Go duration %s as %s ns", (text, ns) => {
    expect(durationNs(text)).toBe(ns);
  });
});

describe("the comparison MeshStack's provider runs", () => {
  it("survives Pulumi's closure serializer and judges the same after it (it runs in the provider plugin)", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => entryDrift);
    const sandbox = { exports: {} as Record<string, () => typeof entryDrift>, require };
    runInNewContext(serialized.text, sandbox);
    const factory = sandbox.exports[serialized.exportName]!;
    for (const [, planned, live, drifted] of SHARED) expect(factory()(planned, live).length > 0).toBe(drifted);
  });
});
