import { entryDrift } from "../../sdk/compile/consul/drift";
import type { ConfigEntry } from "../../sdk";
import { intentions, intentionsAsConsulHoldsThem } from "./entry-drift-fixtures";

describe("config entry drift: what Consul holds against what the plan says", () => {
  it("ignores Consul's own fields and defaults, and the order it stores named sources in", () => {
    const live = intentionsAsConsulHoldsThem;
    expect(entryDrift(intentions, live)).toEqual([]);
  });

  it("forgives Consul's weak decoding of a list of one", () => {
    const planned: ConfigEntry = { Kind: "proxy-defaults", Name: "global", EnvoyExtensions: [{ Name: "x", Arguments: { Patches: [{ Op: "add" }] } }] };
    const live = { Kind: "proxy-defaults", Name: "global", EnvoyExtensions: [{ Name: "x", Arguments: { Patches: { Op: "add" } } }] };
    expect(entryDrift(planned, live)).toEqual([]);
  });

  it("names a rewritten permission, an added source and a deleted entry", () => {
    const rewritten = {
      ...intentions,
      Sources: [
        { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/" } }] },
        { Name: "web", Action: "allow" },
        { Name: "*", Action: "allow" },
      ],
    };
    expect(entryDrift(intentions, rewritten)).toEqual(["service-intentions/pay.Sources: 2 items in the plan, 3 in Consul"]);
    const widened = {
      ...intentions,
      Sources: [
        { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/" } }] },
        { Name: "web", Action: "allow" },
      ],
    };
    expect(entryDrift(intentions, widened)).toEqual(['service-intentions/pay.Sources[ui].Permissions[0].HTTP.PathPrefix: "/pay" in the plan, "/" in Consul']);
    expect(entryDrift(intentions, undefined)).toEqual(["service-intentions/pay: missing from Consul"]);
  });
});

describe("config entry drift forgives Consul's other spellings", () => {
  it("takes a left-out false and a duration in nanoseconds as the plan's value", () => {
    const planned: ConfigEntry = { Kind: "jwt-provider", Name: "k", Flag: false, Remote: { Timeout: "5s", Every: "1m30s" } };
    expect(entryDrift(planned, { Kind: "jwt-provider", Name: "k", Remote: { Timeout: 5_000_000_000, Every: 90_000_000_000 } })).toEqual([]);
    expect(entryDrift(planned, { Kind: "jwt-provider", Name: "k", Remote: { Timeout: 6_000_000_000, Every: 90_000_000_000 } })).toEqual([
      'jwt-provider/k.Remote.Timeout: "5s" in the plan, 6000000000 in Consul',
    ]);
  });

  it("compares the mesh entry without the Name Consul refuses", () => {
    expect(
      entryDrift({ Kind: "mesh", Name: "mesh", HTTP: { SanitizeXForwardedClientCert: true } }, { Kind: "mesh", HTTP: { SanitizeXForwardedClientCert: true } }),
    ).toEqual([]);
  });
});
