/**
 * A mesh that cannot start leaves nothing behind: the error names the container that never
 * became healthy and shows its last log lines, and every container of the run is removed.
 */
import { getContainerRuntimeClient } from "testcontainers";
import { MeshStartError, startMesh } from "../../harness/realize";
import { compile, Mesh, type MeshPlan } from "../../sdk";

async function runContainers(): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const list = await client.container.dockerode.listContainers({ all: true, filters: { label: ["io.meshwright.run"] } });
  return list.map((c) => c.Names[0]!);
}

it("removes every container of a run whose sidecar never becomes healthy, and says which one", async () => {
  const mesh = new Mesh("broken");
  mesh.service("lonely-service", {});
  const plan = compile(mesh);
  // Break the plan on purpose: the sidecar asks for a service no agent registered.
  const broken: MeshPlan = {
    ...plan,
    containers: plan.containers.map((c) => (c.role === "sidecar" ? { ...c, command: c.command.map((a) => (a === "lonely-service-1" ? "no-such-service-1" : a)) } : c)),
  };
  const before = await runContainers();
  const error = await startMesh(broken, { startupTimeoutMs: 20_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MeshStartError);
  expect((error as Error).message).toMatch(/lonely-service-1-sidecar did not start/);
  expect(await runContainers()).toEqual(before);
});
