import { choosePublishAddress, isOwnAddress } from "../../../harness/realize/publish-address";

describe("where the harness publishes a mesh's ports", () => {
  const own = ["127.0.0.1", "192.0.2.2", "172.17.0.1"];

  it("uses loopback when Docker runs on this machine, reached as localhost", () => {
    expect(choosePublishAddress("localhost", ["127.0.0.1"], own)).toEqual({ bindIp: "127.0.0.1", dialHost: "127.0.0.1" });
  });

  it("uses loopback when the tests run in a container beside their own Docker engine (the bridge gateway is one of this process's addresses)", () => {
    expect(choosePublishAddress("172.17.0.1", ["172.17.0.1"], own)).toEqual({ bindIp: "127.0.0.1", dialHost: "127.0.0.1" });
  });

  it("binds to the Docker host's own address, never to every interface, when that host is another machine's (or the host of this container)", () => {
    expect(choosePublishAddress("172.17.0.1", ["172.17.0.1"], ["127.0.0.1", "172.17.0.5"])).toEqual({ bindIp: "172.17.0.1", dialHost: "172.17.0.1" });
    expect(choosePublishAddress("docker", ["10.0.3.7"], own)).toEqual({ bindIp: "10.0.3.7", dialHost: "docker" });
  });

  it("takes MESHWRIGHT_PUBLISH_IP over everything", () => {
    expect(choosePublishAddress("docker", ["10.0.3.7"], own, "10.9.9.9")).toEqual({ bindIp: "10.9.9.9", dialHost: "10.9.9.9" });
  });
});

describe("which addresses are this process's own", () => {
  it("tells loopback from an address no interface here has", async () => {
    expect(await isOwnAddress("127.0.0.1")).toBe(true);
    expect(await isOwnAddress("192.0.2.254")).toBe(false); // TEST-NET-1, never assigned here
  });
});
