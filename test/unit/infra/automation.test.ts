import type { EngineEvent } from "@pulumi/pulumi/automation";
import { restoredBy } from "../../../infra/automation";

const event = (op: string, type: string, outputs: Record<string, unknown>): EngineEvent =>
  ({ sequence: 1, timestamp: 0, resOutputsEvent: { metadata: { op, urn: "urn:x", type, provider: "", new: { outputs } } } }) as unknown as EngineEvent;

describe("which Consul objects an up put back", () => {
  it("reads an update of a Consul object that restored drift", () => {
    expect(restoredBy(event("update", "pulumi-nodejs:dynamic/consul:ConfigEntry", { subject: "service-intentions/web", restored: "changed" }))).toEqual({
      subject: "service-intentions/web",
      drift: "changed",
    });
  });

  it.each([
    ["an update that restored nothing", event("update", "pulumi-nodejs:dynamic/consul:AclToken", { subject: "acl-token/x" })],
    ["a resource left as it was (restored is an old report)", event("same", "pulumi-nodejs:dynamic/consul:ConfigEntry", { subject: "s", restored: "changed" })],
    ["another resource type", event("update", "docker:index/container:Container", { subject: "s", restored: "changed" })],
  ])("ignores %s", (_what, e) => {
    expect(restoredBy(e)).toBeUndefined();
  });
});
