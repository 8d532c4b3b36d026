/** Reading a cluster's nodes through a kubeconfig (infra/kubernetes/kubeconfig.ts, nodes.ts), for the capacity check. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { readNodeCapacity } from "../../infra/kubernetes";
import { readNodeCapacitySync } from "../../infra/kubernetes/nodes";
import { apiConnection, KubeconfigUnusable } from "../../infra/kubernetes/kubeconfig";
import { kubeconfig } from "../../toolchain/kubernetes/kubeconfig";

/** A kubeconfig as kubectl writes it (kind's, trimmed). */
const KUBECTL_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from("CA PEM").toString("base64")}
    server: https://127.0.0.1:6443
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: kind-kind # the one in use
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: ${Buffer.from("CERT PEM").toString("base64")}
    client-key-data: ${Buffer.from("KEY PEM").toString("base64")}
`;

describe("a kubeconfig's connection", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "mw-kubeconfig-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is the current context's server, CA and client certificate, from kubectl's YAML given as contents", () => {
    const c = apiConnection(KUBECTL_YAML);
    expect({ server: c.server, ca: c.ca?.toString(), cert: c.cert?.toString(), key: c.key?.toString(), insecure: c.insecureSkipTlsVerify }).toEqual({
      server: "https://127.0.0.1:6443",
      ca: "CA PEM",
      cert: "CERT PEM",
      key: "KEY PEM",
      insecure: false,
    });
  });

  it("reads the local cluster's kubeconfig (JSON, written by the toolchain) from its path", () => {
    const path = join(dir, "admin.kubeconfig");
    writeFileSync(path, kubeconfig("admin", { caPem: "CA", certPem: "CERT", keyPem: "KEY" }));
    const c = apiConnection(path);
    expect([c.server, c.ca?.toString(), c.cert?.toString(), c.key?.toString()]).toEqual(["https://127.0.0.1:6443", "CA", "CERT", "KEY"]);
  });

  it("reads files it names relative to its own folder, and a bearer token from tokenFile", () => {
    const files = { "ca.crt": "CA FILE", "client.crt": "CERT FILE", "client.key": "KEY FILE", token: "s3cret\n" };
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const path = join(dir, "config");
    writeFileSync(
      path,
      `current-context: prod
contexts:
- name: prod
  context:
    cluster: prod
    user: robot
clusters:
- name: prod
  cluster:
    server: https://api.example.test:443/k8s/clusters/c-1
    certificate-authority: ca.crt
    tls-server-name: kubernetes
users:
- name: robot
  user:
    client-certificate: client.crt
    client-key: client.key
    tokenFile: token
`,
    );
    const c = apiConnection(path);
    expect({ ...c, ca: c.ca?.toString(), cert: c.cert?.toString(), key: c.key?.toString() }).toEqual({
      server: "https://api.example.test:443/k8s/clusters/c-1",
      ca: "CA FILE",
      cert: "CERT FILE",
      key: "KEY FILE",
      token: "s3cret",
      insecureSkipTlsVerify: false,
      tlsServerName: "kubernetes",
    });
  });

  it.each([
    [
      "an exec credential plugin",
      { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } },
      "gets its credentials from a command (exec: aws), which the check does not run",
    ],
    ["an auth provider", { "auth-provider": { name: "oidc" } }, "gets its credentials from an auth provider (oidc), which the check does not support"],
  ])("says why it cannot use %s", (_, user, why) => {
    const config = JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
      users: [{ name: "u", user }],
    });
    expect(() => apiConnection(config)).toThrow(new KubeconfigUnusable(`user u of the kubeconfig ${why}`));
  });

  it("says so when the file is missing or has no current context", () => {
    expect(() => apiConnection(join(dir, "nope"))).toThrow(`the kubeconfig ${join(dir, "nope")} does not exist`);
    expect(() => apiConnection("apiVersion: v1\nkind: Config\n")).toThrow("the kubeconfig has no current-context");
  });
});

describe("reading the nodes", () => {
  let server: Server;
  let seen: IncomingHttpHeaders | undefined;
  let answer: { status: number; body: unknown };
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(req.url === "/prefix/api/v1/nodes" ? answer.status : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/prefix`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const config = (server: string, user: object = { token: "t0ken" }) =>
    JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: { server } }],
      users: [{ name: "u", user }],
    });

  it("GETs /api/v1/nodes under the server's path with the bearer token, and gives each node's capacity", async () => {
    answer = {
      status: 200,
      body: {
        kind: "NodeList",
        items: [{ metadata: { name: "n1" }, status: { allocatable: { cpu: "2", memory: "8Gi" }, conditions: [{ type: "Ready", status: "True" }] } }],
      },
    };
    expect(await readNodeCapacity(config(url))).toEqual([
      { name: "n1", hostname: "n1", allocatable: { cpuMillis: 2000, memoryBytes: 8 * 1024 ** 3 }, unschedulable: false, ready: true },
    ]);
    expect(seen?.authorization).toBe("Bearer t0ken");
  });

  it("gives the reason instead of nodes when the user may not list them", async () => {
    answer = { status: 403, body: { kind: "Status", message: 'nodes is forbidden: User "dev" cannot list resource "nodes"' } };
    expect(await readNodeCapacity(config(url))).toEqual({
      reason: `the API server ${url} does not let the kubeconfig's user list nodes (HTTP 403: nodes is forbidden: User "dev" cannot list resource "nodes")`,
    });
  });

  it("gives the reason instead of nodes for authentication it cannot do, and for a server that does not answer", async () => {
    expect(await readNodeCapacity(config(url, { exec: { command: "gke-gcloud-auth-plugin" } }))).toEqual({
      reason: "user u of the kubeconfig gets its credentials from a command (exec: gke-gcloud-auth-plugin), which the check does not run",
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await readNodeCapacity(config(`http://127.0.0.1:${port}`));
    expect(unreachable).toEqual({
      reason: expect.stringMatching(new RegExp(`^the API server http://127.0.0.1:${port} did not answer GET /api/v1/nodes: .*ECONNREFUSED`)),
    });
  });
});

describe("reading the nodes, blocking", () => {
  // The server runs in a process of its own: the read blocks this one's event loop.
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const script = `require("node:http").createServer((q, r) => {
      const ok = q.url === "/api/v1/nodes" && q.headers.authorization === "Bearer t0ken";
      r.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      r.end(JSON.stringify(ok ? { items: [{ metadata: { name: "n1" }, status: { allocatable: { cpu: "1500m", memory: "2Gi" } } }] } : { message: "Unauthorized" }));
    }).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;
    server = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<string>((resolve) => server.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => void server.kill());

  const config = (user: object) =>
    JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: { server: url } }],
      users: [{ name: "u", user }],
    });

  it("gives the same nodes as the asynchronous read, from a process of its own", () => {
    expect(readNodeCapacitySync(config({ token: "t0ken" }))).toEqual([
      { name: "n1", hostname: "n1", allocatable: { cpuMillis: 1500, memoryBytes: 2 * 1024 ** 3 }, unschedulable: false, ready: false },
    ]);
  });

  it("gives the reason when the server refuses the credentials", () => {
    expect(readNodeCapacitySync(config({ token: "wrong" }))).toEqual({
      reason: `the API server ${url} refused the kubeconfig's credentials (HTTP 401: Unauthorized)`,
    });
  });
});
