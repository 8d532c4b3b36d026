import * as pulumi from "@pulumi/pulumi";
import { containerArgs, dockerCapability, dockerCpus, dockerMemoryMb } from "../../../infra/container-args";
import type { ContainerSpec } from "../../../sdk/plan";

const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: "api-1-app",
  role: "app",
  image: "x",
  command: [],
  env: {},
  files: [],
  ports: [],
  networkAliases: ["api-1-app"],
  restartPolicy: "no",
  dependsOn: [],
  ...over,
});
const ctx = {
  dockerName: "t-api-1-app",
  image: "x",
  network: "net",
  secretValues: pulumi.output<Record<string, string>>({}),
  publishAddress: "127.0.0.1",
  stack: "t",
};

describe("container limits, spelt as the Docker provider reads them back (else every up replaces the container)", () => {
  it.each([
    [500_000_000, "0.5"],
    [1_000_000_000, "1.0"],
    [2_000_000_000, "2.0"],
    [1_500_000_000, "1.5"],
    [250_000_000, "0.25"],
    [2_050_000_000, "2.05"],
    [50_000_000, "0.1"], // nine zeros: Go's FloatString(1) rounds half away from zero
    [10_000_000_000, "10."], // the provider's own spelling of ten CPUs
  ])("%i nano-CPUs is cpus %j", (nano, text) => {
    expect(dockerCpus(nano)).toBe(text);
  });

  it.each([
    [128 * 1024 * 1024, 128],
    [128 * 1024 * 1024 + 1, 129],
    [1, 1],
  ])("%i bytes is memory %i (MB, rounded up)", (bytes, mb) => {
    expect(dockerMemoryMb(bytes)).toBe(mb);
  });

  it.each([
    ["NET_RAW", "CAP_NET_RAW"],
    ["net_raw", "CAP_NET_RAW"],
    ["CAP_CHOWN", "CAP_CHOWN"],
    ["all", "ALL"],
  ])("capability %s is stored as %s", (cap, stored) => {
    expect(dockerCapability(cap)).toBe(stored);
  });
});

describe("containerArgs", () => {
  it("leaves an empty command out, so the image's CMD (which the provider reads back) stays", () => {
    expect(containerArgs(spec(), ctx)).not.toHaveProperty("command");
    expect(containerArgs(spec({ command: ["serve"] }), ctx).command).toEqual(["serve"]);
  });

  it("gives files mode 0644 unless the plan says, owned by a numeric user the container runs as", () => {
    const args = containerArgs(
      spec({
        user: "1000:2000",
        files: [
          { path: "/a", content: "x" },
          { path: "/k", content: "y", mode: 0o600 },
        ],
      }),
      ctx,
    );
    expect(args.uploads).toEqual([
      { file: "/a", content: "x", permissions: "0644", owner: "1000", group: "2000" },
      { file: "/k", content: "y", permissions: "0600", owner: "1000", group: "2000" },
    ]);
    expect(containerArgs(spec({ user: "app", files: [{ path: "/a", content: "x" }] }), ctx).uploads).toEqual([
      { file: "/a", content: "x", permissions: "0644" },
    ]);
  });

  it("mounts each of the plan's named volumes by the Docker name the stack gave it, and refuses one it was not given", () => {
    const withData = spec({ volumes: [{ name: "consul-data", path: "/consul/data", purpose: "Raft state" }] });
    expect(containerArgs(withData, { ...ctx, volumeNames: { "consul-data": "t-consul-data" } }).volumes).toEqual([
      { volumeName: "t-consul-data", containerPath: "/consul/data" },
    ]);
    expect(() => containerArgs(withData, ctx)).toThrow("api-1-app mounts volume consul-data; pass its Docker name in volumeNames");
    expect(containerArgs(spec(), ctx)).not.toHaveProperty("volumes");
  });

  it("refuses a mode that is not a permission mode, naming the file", () => {
    expect(() => containerArgs(spec({ files: [{ path: "/a", content: "x", mode: 0o4755 }] }), ctx)).toThrow(
      "api-1-app file /a: mode 4755 is not a permission mode (0 to 0777)",
    );
  });

  it("drops capabilities and sets no-new-privileges only when the plan asks", () => {
    expect(containerArgs(spec({ security: { capDrop: ["NET_RAW"], noNewPrivileges: true } }), ctx)).toMatchObject({
      capabilities: { drops: ["CAP_NET_RAW"] },
      securityOpts: ["no-new-privileges"],
    });
    const plain = containerArgs(spec(), ctx);
    expect(plain).not.toHaveProperty("capabilities");
    expect(plain).not.toHaveProperty("securityOpts");
  });

  it("sets swap to the memory limit, so the provider does not read back Docker's default (twice the limit) as a change", () => {
    expect(containerArgs(spec({ resources: { memoryBytes: 64 * 1024 * 1024 } }), ctx)).toMatchObject({ memory: 64, memorySwap: 64 });
    expect(containerArgs(spec(), ctx)).not.toHaveProperty("memorySwap");
  });
});
