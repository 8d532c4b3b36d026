/**
 * meshwright as a user gets it: `npm pack` (which builds dist/), a blank project in a temporary
 * folder, `npm install <tarball>` with its peers from the registry the repo uses (npm's cache
 * keeps it quick). There, (a) plain `node` scripts, ESM and CommonJS, compile a mesh; (b) a
 * TypeScript Pulumi program with MeshStack goes up through the installed `meshwright up`, a
 * second up changes nothing, and down leaves no container or network; (c) a jest test of the
 * project's own proves a two-service mesh with meshwright/harness and a matcher; (d) the
 * installed `meshwright images` finds every image in the same cache and builds nothing.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { createServer } from "node:net";
import { packageRoot } from "../../toolchain/package-root";

const ROOT = packageRoot();
const work = mkdtempSync(join(tmpdir(), "mw-package-"));
const project = join(work, "project");

/** The same versions the repository runs with, so the project resolves what CI has tested. */
const version = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;

/** The environment of a user's shell: this Node (24) first on PATH, no npm_* variables from the outer `npm test`. */
const env = Object.fromEntries(
  Object.entries({ ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) }).filter(([k]) => !/^npm_/i.test(k)),
) as NodeJS.ProcessEnv;

function sh(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? project, env, encoding: "utf8", timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 ** 2 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r;
}

/** Stack state of (b) in the test's own folder, never the user's. */
const stackEnv: NodeJS.ProcessEnv = { ...env, PULUMI_BACKEND_URL: `file://${join(work, "state")}` };

/** A port nothing listens on right now, to publish Consul on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Containers and networks labelled as MeshStack `stack`'s. */
function leftovers(stack: string): string[] {
  const q = (args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
  return [
    ...q(["ps", "-aq", "--filter", `label=io.meshwright.stack=${stack}`]),
    ...q(["network", "ls", "-q", "--filter", `label=io.meshwright.stack=${stack}`]),
  ];
}

describe("meshwright installed from its packed tarball into a blank project", () => {
  let tarball = "";

  beforeAll(() => {
    const packed = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", work], { cwd: ROOT }).stdout) as { filename: string; size: number }[];
    tarball = join(work, packed[0]!.filename);
    mkdirSync(project);
    mkdirSync(join(work, "state"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "infra-repo", private: true, version: "1.0.0" }, null, 2));
    const peers = ["@pulumi/pulumi", "@pulumi/docker", "testcontainers", "jest"].map((p) => `${p}@${version(p)}`);
    sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...peers]);
  }, 600_000);

  afterAll(() => {
    // A failed (b) may leave its stack up: take it down before the state goes.
    spawnSync("npx", ["meshwright", "down", "infra.ts"], { cwd: project, env: stackEnv, encoding: "utf8" });
    rmSync(work, { recursive: true, force: true });
  });

  it("(a) compiles a mesh from plain node scripts, ESM and CommonJS, with named exports of every entry point", () => {
    const mesh = `const mesh = new Mesh("tiny");
const orders = mesh.service("orders", { instances: 2 });
mesh.service("web", { upstreams: [orders] });
orders.allow("web");
const plan = compile(mesh);
console.log(JSON.stringify({ mesh: plan.mesh.name, services: plan.services.map((s) => s.name), stack: typeof MeshStack, start: typeof startMesh }));`;
    writeFileSync(
      join(project, "esm.mjs"),
      `import { Mesh, compile } from "meshwright/sdk";\nimport { MeshStack } from "meshwright/infra";\nimport { startMesh } from "meshwright/harness";\n${mesh}\n`,
    );
    writeFileSync(
      join(project, "cjs.cjs"),
      `const { Mesh, compile } = require("meshwright/sdk");\nconst { MeshStack } = require("meshwright/infra");\nconst { startMesh } = require("meshwright/harness");\n${mesh}\n`,
    );
    const expected = { mesh: "tiny", services: ["orders", "web"], stack: "function", start: "function" };
    expect(JSON.parse(sh("node", ["esm.mjs"]).stdout)).toEqual(expected);
    expect(JSON.parse(sh("node", ["cjs.cjs"]).stdout)).toEqual(expected);
  });

  it("(b) a TypeScript Pulumi program with MeshStack goes up through the installed meshwright up; a second up changes nothing; down leaves nothing", async () => {
    const port = await freePort();
    writeFileSync(
      join(project, "infra.ts"),
      `import { Mesh } from "meshwright/sdk";
import { MeshStack } from "meshwright/infra";

const mesh = new Mesh("pkgup", { telemetry: { metrics: false } });
const orders = mesh.service("orders");
const web = mesh.service("web", { upstreams: [orders] });
orders.allow(web);

/** The Pulumi program: meshwright up runs it inline. */
export default () => {
  const stack = new MeshStack("pkgup", { mesh, ports: { consul: ${port}, keycloak: false, ingress: false, prometheus: false } });
  return { consulUrl: stack.consulUrl, dockerNames: stack.dockerNames };
};
`,
    );
    const run = (cmd: string) => {
      const r = spawnSync("npx", ["meshwright", cmd, "infra.ts"], {
        cwd: project,
        env: stackEnv,
        encoding: "utf8",
        timeout: 540_000,
        maxBuffer: 64 * 1024 ** 2,
      });
      if (r.status !== 0) throw new Error(`meshwright ${cmd} exited ${r.status ?? r.signal}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
      return r.stdout;
    };
    const first = run("up");
    expect(first).toMatch(/infra\.ts \(default\) is up \(\d+ create;/);
    expect(first).toContain(`consulUrl: "http://127.0.0.1:${port}"`);
    const consul = await fetch(`http://127.0.0.1:${port}/v1/status/leader`);
    expect(consul.status).toBe(200);
    expect(leftovers("pkgup").length).toBeGreaterThan(0);

    expect(run("up")).toMatch(/infra\.ts \(default\) is up \(no changes;/);

    expect(run("down")).toMatch(/is down \(\d+ deleted/);
    expect(leftovers("pkgup")).toEqual([]);
  }, 1_200_000);

  it("(d) `npx meshwright images` from the installed package finds every image in the same cache and builds nothing", () => {
    const out = sh("npx", ["meshwright", "images"]).stdout;
    expect(out).toMatch(/^0 built, \d+ cached, in /m);
    expect(out).not.toMatch(/: building/);
  });

  it("(c) a jest test of the project's own proves a two-service mesh with meshwright/harness and a matcher", () => {
    writeFileSync(
      join(project, "mesh.test.js"),
      `const { Mesh } = require("meshwright/sdk");
const { sendTraffic, startMesh, waitConverged } = require("meshwright/harness");
require("meshwright/harness/matchers");

const mesh = new Mesh("pkg", { telemetry: { metrics: false } });
const orders = mesh.service("orders", { instances: 2 });
const web = mesh.service("web", { upstreams: [orders] });
orders.allow(web);

let running;
beforeAll(async () => {
  running = await startMesh(mesh);
  await waitConverged(running);
}, 300000);
afterAll(() => running && running.stop());

test("web's calls reach both orders instances, spread evenly", async () => {
  const sample = await sendTraffic(running, "web-1", "orders", { count: 200 });
  expect(sample.byStatus()).toEqual({ 200: 200 });
  expect(sample).toBeUniform(["orders-1", "orders-2"]);
}, 120000);
`,
    );
    const r = sh("npx", ["jest", "--ci", "mesh.test.js"], { timeoutMs: 540_000 });
    expect(r.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
  }, 560_000);
});

// Where a step fails, the tarball and the project are in the folder this prints (removed after).
console.info(
  `package e2e: working in ${work}; meshwright ${execFileSync("node", ["-p", "require('./package.json').version"], { cwd: ROOT, encoding: "utf8" }).trim()}`,
);
