/**
 * The harness's side of `ContainerSpec.volumes`: the Docker volumes of one run, and the
 * harness's Consul access when servers are down. No Docker: the volume list is pure, and the
 * servers are stand-ins.
 */
import type { MeshContainer } from "../../../harness/realize/mesh-container";
import { RUN_LABEL, runVolumes } from "../../../harness/realize/plan-container";
import { ConsulServer } from "../../../harness/roles/consul-server";
import type { MeshPlan } from "../../../sdk";

describe("a plan container's named volumes in a harness run", () => {
  const spec = { volumes: [{ name: "consul-2-data", path: "/consul/data", purpose: "Raft state of consul-2" }] };

  it("are named with the run's prefix, so two runs of one mesh never share one, and mounted where the plan says", () => {
    const a = runVolumes({ runId: "mwaaaaaa" }, spec, "session");
    const b = runVolumes({ runId: "mwbbbbbb" }, spec, "session");
    expect(a.binds).toEqual(["mwaaaaaa-consul-2-data:/consul/data"]);
    expect(a.create.map((v) => v.Name)).toEqual(["mwaaaaaa-consul-2-data"]);
    expect(b.create[0]!.Name).not.toBe(a.create[0]!.Name);
  });

  it("carry the run's label (removed with the run) and testcontainers' session label (the reaper's filter)", () => {
    const [volume] = runVolumes({ runId: "mwaaaaaa" }, spec, "s-123").create;
    expect(volume!.Labels).toEqual({ [RUN_LABEL]: "mwaaaaaa", "org.testcontainers.session-id": "s-123", "io.meshwright.purpose": "Raft state of consul-2" });
  });

  it("are none when the plan declares none", () => {
    expect(runVolumes({ runId: "mwaaaaaa" }, {}, "s")).toEqual({ create: [], binds: [] });
  });
});

describe("the harness's Consul role with servers down", () => {
  const plan = {
    mesh: { name: "ha" },
    consul: {
      server: { container: "consul", httpPort: 8500 },
      servers: ["consul", "consul-2", "consul-3"].map((container) => ({ container, httpPort: 8500 })),
    },
  } as unknown as MeshPlan;
  const published: Record<string, number> = { consul: 31001, "consul-2": 31002, "consul-3": 31003 };
  const server = (name: string) => ({ name, container: { getHost: () => "127.0.0.1", getMappedPort: () => published[name]! } as unknown as MeshContainer });

  it("calls the first server that is up, the first server and the leader being no exception", () => {
    let up = ["consul", "consul-2", "consul-3"];
    const consul = new ConsulServer(plan, () => up.map(server), "token");
    expect(consul.url()).toBe("http://127.0.0.1:31001");
    up = ["consul-2", "consul-3"];
    expect(consul.url()).toBe("http://127.0.0.1:31002");
    expect(consul.api().url).toBe("http://127.0.0.1:31002");
  });

  it("says which servers are down when none is up", () => {
    const consul = new ConsulServer(plan, () => [], "token");
    expect(() => consul.url()).toThrow("mesh ha: every Consul server (consul, consul-2, consul-3) is down");
  });
});
