/**
 * A mesh that cannot start leaves nothing behind: the error names the container that never
 * became healthy and shows its last log lines, and every container of the run is removed.
 * An app that never answers is named as the app (its probe only checks it), with the app's
 * own logs. A missing image fails before anything starts, naming the command that builds it.
 * A Consul token the ACL system does not know fails health and says so ("ACL not found"),
 * rather than leaving a sidecar or agent retrying 403s in silence.
 */
import { getContainerRuntimeClient } from "testcontainers";
import { MeshStartError, MissingImageError, startMesh } from "../../harness";
import { randomUUID } from "node:crypto";
import { compile, Mesh, type ContainerSpec, type MeshPlan } from "../../sdk";

async function runContainers(): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const list = await client.container.dockerode.listContainers({ all: true, filters: { label: ["io.meshwright.run"] } });
  return list.map((c) => c.Names[0]!);
}

function lonelyPlan(): MeshPlan {
  const mesh = new Mesh("broken", { telemetry: { metrics: false } });
  mesh.service("lonely-service", {});
  return compile(mesh);
}

/** The error a start fails with (it must fail). */
async function startError(plan: MeshPlan): Promise<Error> {
  const error = await startMesh(plan, { startupTimeoutMs: 20_000 }).then(
    async (m) => {
      await m.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** The plan with one container's reference to a secret replaced by a token Consul never issued. */
function withUnknownToken(plan: MeshPlan, container: string, secret: string): MeshPlan {
  const ref = `{{secret:${secret}}}`;
  const unknown = randomUUID();
  const swap = (v: string) => v.split(ref).join(unknown);
  const broken = (c: ContainerSpec): ContainerSpec => ({
    ...c,
    env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, swap(v)])),
    files: c.files.map((f) => ({ ...f, content: swap(f.content) })),
  });
  const target = plan.containers.find((c) => c.name === container);
  expect(JSON.stringify(target)).toContain(ref); // the container does use that token
  return { ...plan, containers: plan.containers.map((c) => (c.name === container ? broken(c) : c)) };
}

it("fails a node agent whose token Consul does not know, saying ACL not found", async () => {
  const plan = withUnknownToken(lonelyPlan(), "lonely-service-1", "consul/token/node-lonely-service-1");
  const before = await runContainers();
  const error = await startError(plan);
  expect(error).toBeInstanceOf(MeshStartError);
  expect(error.message).toMatch(/lonely-service-1 did not start/);
  expect(error.message).toMatch(/ACL not found/); // the agent cannot even get its TLS certificate
  expect(await runContainers()).toEqual(before);
});

it("fails a sidecar whose token Consul does not know, saying ACL not found", async () => {
  const plan = withUnknownToken(lonelyPlan(), "lonely-service-1-sidecar", "consul/token/service-lonely-service-1");
  const before = await runContainers();
  const error = await startError(plan);
  expect(error).toBeInstanceOf(MeshStartError);
  expect(error.message).toMatch(/lonely-service-1-sidecar did not start/);
  expect(error.message).toMatch(/ACL not found/);
  expect(await runContainers()).toEqual(before);
});

it("removes every container of a run whose sidecar never becomes healthy, and says which one", async () => {
  const plan = lonelyPlan();
  // Break the plan on purpose: the sidecar asks for a service no agent registered.
  const broken: MeshPlan = {
    ...plan,
    containers: plan.containers.map((c) =>
      c.role === "sidecar" ? { ...c, command: c.command.map((a) => (a === "lonely-service-1" ? "no-such-service-1" : a)) } : c,
    ),
  };
  const before = await runContainers();
  const error = await startError(broken);
  expect(error).toBeInstanceOf(MeshStartError);
  expect(error.message).toMatch(/lonely-service-1-sidecar did not start/);
  expect(await runContainers()).toEqual(before);
});

it("names the app, not its probe, when the app never answers its health check, and shows the app's logs", async () => {
  const plan = lonelyPlan();
  // The app listens on another port than the plan's: its probe's health check never connects.
  const broken: MeshPlan = {
    ...plan,
    containers: plan.containers.map((c) => (c.role === "app" ? { ...c, env: { ...c.env, LISTEN_ADDR: "127.0.0.1:9999", PORT: "9999" } } : c)),
  };
  const before = await runContainers();
  const error = await startError(broken);
  expect(error).toBeInstanceOf(MeshStartError);
  expect(error.message).toMatch(/lonely-service-1-app never answered its health check \(checked by lonely-service-1-probe\)/);
  // The app's own log lines, which say where it listens: the clue to the fix.
  expect(error.message).toMatch(/last log lines of lonely-service-1-app:[\s\S]*127\.0\.0\.1:9999/);
  expect(await runContainers()).toEqual(before);
});

it("fails before starting anything when an image is missing, naming the command that builds it", async () => {
  const plan = lonelyPlan();
  const missing = "meshwright/consul:0.0.0-missing";
  const broken: MeshPlan = { ...plan, containers: plan.containers.map((c) => (c.image === plan.images.consul ? { ...c, image: missing } : c)) };
  const before = await runContainers();
  const error = await startError(broken);
  expect(error).toBeInstanceOf(MissingImageError);
  expect(error.message).toContain(missing);
  expect(error.message).toContain("npm run images");
  expect(await runContainers()).toEqual(before);
});
