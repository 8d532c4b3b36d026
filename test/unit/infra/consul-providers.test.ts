import type * as pulumi from "@pulumi/pulumi";
import {
  aclPolicyProvider,
  aclTokenProvider,
  configEntryProvider,
  type AclPolicyInputs,
  type AclTokenInputs,
  type ConfigEntryInputs,
} from "../../../infra/consul/providers";
import { FakeConsul } from "./fake-consul";

/** The provider's methods, all present (they are). */
type Full = Required<pulumi.dynamic.ResourceProvider>;
const entries = configEntryProvider as Full;
const policies = aclPolicyProvider as Full;
const tokens = aclTokenProvider as Full;

describe("config entries through Consul's API", () => {
  let consul: FakeConsul;
  beforeEach(async () => {
    consul = await new FakeConsul().start();
  });
  afterEach(() => consul.stop());

  const intentions = (): ConfigEntryInputs => ({
    address: consul.address,
    token: consul.managementToken,
    serverId: "server-1",
    revision: 1,
    subject: "service-intentions/payment-service",
    kind: "service-intentions",
    name: "payment-service",
    entry: {
      Kind: "service-intentions",
      Name: "payment-service",
      Sources: [{ Name: "user-service", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/pay", Methods: ["POST"] } }] }],
    },
  });

  it("creates the entry; diff then finds nothing to do although Consul added its own fields", async () => {
    const created = await entries.create(intentions());
    expect(created.id).toBe("service-intentions/payment-service");
    expect(consul.entries.get("service-intentions/payment-service")).toMatchObject({ ...intentions().entry, CreateIndex: expect.any(Number) });
    expect(await entries.diff(created.id, created.outs, intentions())).toEqual({ changes: false });
  });

  it("a plain diff reports an entry changed behind Pulumi's back, and update puts the plan's version back saying so", async () => {
    const { id, outs } = await entries.create(intentions());
    consul.putEntry({ Kind: "service-intentions", Name: "payment-service", Sources: [{ Name: "user-service", Action: "allow" }] });
    expect(await entries.diff(id, outs, intentions())).toEqual({ changes: true });
    const updated = await entries.update(id, outs, intentions());
    expect(updated.outs.restored).toBe("changed");
    expect(consul.entries.get("service-intentions/payment-service")!.Sources).toEqual(intentions().entry.Sources);
    // Put back: the next preview has nothing to do (the report is not a change).
    expect(await entries.diff(id, updated.outs, intentions())).toEqual({ changes: false });
  });

  it("reports an entry deleted behind Pulumi's back, and writes it again", async () => {
    const { id, outs } = await entries.create(intentions());
    consul.entries.clear();
    expect(await entries.diff(id, outs, intentions())).toEqual({ changes: true });
    const updated = await entries.update(id, outs, intentions());
    expect(updated.outs.restored).toBe("deleted");
    expect(consul.entries.has("service-intentions/payment-service")).toBe(true);
  });

  it("read (pulumi refresh) records the drift in state, so the next up writes the entry back", async () => {
    const { id, outs } = await entries.create(intentions());
    expect((await entries.read(id, outs)).props).not.toHaveProperty("drift");
    consul.putEntry({ Kind: "service-intentions", Name: "payment-service", Sources: [{ Name: "*", Action: "allow" }] });
    const refreshed = await entries.read(id, outs);
    expect(refreshed.props.drift).toBe("changed");
    expect(await entries.diff(id, refreshed.props, intentions())).toEqual({ changes: true });
    expect((await entries.update(id, refreshed.props, intentions())).outs.restored).toBe("changed");
  });

  it("a change of the plan is an update, not drift", async () => {
    const { id, outs } = await entries.create(intentions());
    const next: ConfigEntryInputs = {
      ...intentions(),
      entry: { Kind: "service-intentions", Name: "payment-service", Sources: [{ Name: "user-service", Action: "deny" }] },
    };
    expect(await entries.diff(id, outs, next)).toEqual({ changes: true });
    const updated = await entries.update(id, outs, next);
    expect(updated.outs).not.toHaveProperty("restored");
    expect(consul.entries.get("service-intentions/payment-service")!.Sources).toEqual([{ Name: "user-service", Action: "deny" }]);
  });

  it("takes Consul's spelling of a duration (1m read back as 1m0s) as the plan's", async () => {
    const defaults: ConfigEntryInputs = {
      ...intentions(),
      subject: "service-defaults/api",
      kind: "service-defaults",
      name: "api",
      entry: { Kind: "service-defaults", Name: "api", UpstreamConfig: { Defaults: { PassiveHealthCheck: { Interval: "1m", MaxFailures: 3 } } } },
    };
    const { id, outs } = await entries.create(defaults);
    expect((consul.entries.get("service-defaults/api") as any).UpstreamConfig.Defaults.PassiveHealthCheck.Interval).toBe("1m0s");
    expect(await entries.diff(id, outs, defaults)).toEqual({ changes: false });
  });

  it("a new server (its container replaced) gets every object again, without calling that drift", async () => {
    const { id, outs } = await entries.create(intentions());
    consul.entries.clear();
    const moved = { ...intentions(), serverId: "server-2" };
    expect(await entries.diff(id, outs, moved)).toEqual({ changes: true });
    expect((await entries.update(id, outs, moved)).outs).not.toHaveProperty("restored");
  });

  it("a new revision of the provider code is an update, which stores the new code in the state", async () => {
    const { id, outs } = await entries.create(intentions());
    expect(await entries.diff(id, outs, { ...intentions(), revision: 2 })).toEqual({ changes: true });
  });

  it("keeps trying while the server has no leader yet", async () => {
    consul.noLeaderFor = 2;
    await entries.create(intentions());
    expect(consul.requests.slice(0, 3)).toEqual(Array(3).fill("GET /v1/config/service-intentions/payment-service"));
  });

  it("an entry Consul refuses fails at once, naming the entry and Consul's answer", async () => {
    const router: ConfigEntryInputs = {
      ...intentions(),
      subject: "service-router/web",
      kind: "service-router",
      name: "web",
      entry: { Kind: "service-router", Name: "web", Routes: [] },
    };
    const started = Date.now();
    await expect(entries.create(router)).rejects.toThrow(
      'consul service-router/web: PUT /v1/config answered 500: discovery chain "web" uses a protocol "tcp" that does not permit http routes',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("diff with no answer from Consul (it is down) says nothing changed; delete then has nothing to do", async () => {
    const { id, outs } = await entries.create(intentions());
    await consul.stop();
    expect(await entries.diff(id, outs, intentions())).toEqual({ changes: false });
    await expect(entries.delete(id, outs)).resolves.toBeUndefined();
  }, 20_000);

  it("delete removes the entry", async () => {
    const { id, outs } = await entries.create(intentions());
    await entries.delete(id, outs);
    expect(consul.entries.size).toBe(0);
  });
});

describe("ACL policies through Consul's API", () => {
  let consul: FakeConsul;
  beforeEach(async () => {
    consul = await new FakeConsul().start();
  });
  afterEach(() => consul.stop());
  const policy = (rules = 'service "api" { policy = "read" }'): AclPolicyInputs => ({
    address: consul.address,
    token: consul.managementToken,
    serverId: "s",
    revision: 1,
    subject: "acl-policy/api-read",
    name: "api-read",
    description: "read api",
    rules,
  });

  it("creates a missing policy, then updates it by the ID Consul gave it", async () => {
    const { id, outs } = await policies.create(policy());
    const [stored] = [...consul.policies.values()];
    expect(stored).toMatchObject({ Name: "api-read", Rules: policy().rules });
    await policies.update(id, outs, policy('service "api" { policy = "write" }'));
    expect([...consul.policies.values()]).toEqual([expect.objectContaining({ ID: stored!.ID, Rules: 'service "api" { policy = "write" }' })]);
    expect(consul.requests).toContain(`PUT /v1/acl/policy/${stored!.ID}`);
  });

  it("finds drift in the rules and deletes by name", async () => {
    const { id, outs } = await policies.create(policy());
    const [stored] = [...consul.policies.values()];
    consul.policies.set(stored!.ID as string, { ...stored!, Rules: 'service_prefix "" { policy = "write" }' });
    expect(await policies.diff(id, outs, policy())).toEqual({ changes: true });
    expect((await policies.update(id, outs, policy())).outs.restored).toBe("changed");
    await policies.delete(id, outs);
    expect(consul.policies.size).toBe(0);
  });
});

describe("ACL tokens through Consul's API", () => {
  let consul: FakeConsul;
  beforeEach(async () => {
    consul = await new FakeConsul().start();
  });
  afterEach(() => consul.stop());
  const token = (secretId = "6f3b6f4e-1111-4a4a-8b8b-000000000001"): AclTokenInputs => ({
    address: consul.address,
    token: consul.managementToken,
    serverId: "s",
    revision: 1,
    subject: "acl-token/consul/token/service-api-1",
    accessorId: "0b7e9b0e-3e7c-4a52-8d5e-000000000002",
    secretId,
    description: "registration and sidecar of api-1",
    serviceIdentities: [{ serviceName: "api" }],
    nodeIdentities: [],
    policies: ["api-read"],
  });

  it("creates the token with the plan's AccessorID and the stack's SecretID; then nothing to do", async () => {
    const { id, outs } = await tokens.create(token());
    expect(consul.tokens.get(token().accessorId)).toMatchObject({
      SecretID: token().secretId,
      ServiceIdentities: [{ ServiceName: "api" }],
      Policies: [{ Name: "api-read" }],
    });
    expect(await tokens.diff(id, outs, token())).toEqual({ changes: false });
  });

  it("deletes and makes again a token whose SecretID differs (Consul will not change it)", async () => {
    const { id, outs } = await tokens.create(token());
    const other = token("6f3b6f4e-2222-4a4a-8b8b-000000000002");
    expect(await tokens.diff(id, outs, other)).toEqual({ changes: true });
    await tokens.update(id, outs, other);
    expect(consul.tokens.get(token().accessorId)!.SecretID).toBe(other.secretId);
    expect(consul.requests.filter((r) => !r.startsWith("GET"))).toEqual([
      "PUT /v1/acl/token",
      `DELETE /v1/acl/token/${token().accessorId}`,
      "PUT /v1/acl/token",
    ]);
  });

  it("puts back a token whose policies were changed outside Pulumi, updating it in place", async () => {
    const { id, outs } = await tokens.create(token());
    consul.tokens.set(token().accessorId, { ...consul.tokens.get(token().accessorId)!, Policies: [{ ID: "x", Name: "global-management" }] });
    expect(await tokens.diff(id, outs, token())).toEqual({ changes: true });
    expect((await tokens.update(id, outs, token())).outs.restored).toBe("changed");
    expect(consul.tokens.get(token().accessorId)!.Policies).toEqual([{ Name: "api-read" }]);
    expect(consul.requests).toContain(`PUT /v1/acl/token/${token().accessorId}`);
  });
});
