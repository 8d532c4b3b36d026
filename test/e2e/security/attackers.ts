/**
 * What the security e2e attacks with, and how it names what came back: containers on the mesh
 * network that are not in the mesh, rogue Consul agents, raw HTTP (duplicate headers, paths no
 * client would send), TLS clients with and without certificates.
 */
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { containerLogs } from "../../../harness/docker/container-logs";
import type { ExecHttpResult } from "../../../harness/probes/probe-exec";
import { RUN_LABEL } from "../../../harness/realize/plan-container";
import type { StartedMesh } from "../../../harness/realize";

/** What a caller forges: values no proxy of the mesh would ever set. */
export const FORGED: Readonly<Record<string, string>> = {
  "x-forwarded-client-cert": "By=spiffe://forged/svc/ledger;URI=spiffe://forged/ns/default/dc/dc1/svc/admin",
  "x-forwarded-for": "6.6.6.6",
  "x-forwarded-host": "forged.invalid",
  "x-real-ip": "6.6.6.6",
  forwarded: "for=6.6.6.6",
  "x-envoy-original-path": "/forged",
  "x-envoy-decorator-operation": "forged-op",
  "x-envoy-downstream-service-cluster": "forged-cluster",
};

/** What `workload get` saw, with its stderr (which names why a request got no answer). */
export type GetResult = ExecHttpResult & { readonly stderr: string };

/**
 * `workload get` from inside a container (an instance's probe, or an outsider), keeping its
 * stderr: the harness's `execHttp` without dropping the reason a request got no answer.
 */
export async function get(
  container: Execs,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<GetResult> {
  const args = ["workload", "get", url, "--headers", "--timeout-ms", String(opts.timeoutMs ?? 5000)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.method) args.push("-X", opts.method);
  if (opts.body !== undefined) args.push("-d", opts.body);
  const r = await container.exec(args);
  const status = /^status: (\d+)$/m.exec(r.stderr)?.[1];
  const headers: Record<string, string> = {};
  for (const m of r.stderr.matchAll(/^header: ([^:]+): (.*)$/gm)) headers[m[1]!.toLowerCase()] = m[2]!;
  return { exitCode: r.exitCode, ...(status ? { status: Number(status) } : {}), headers, body: r.stdout, stderr: r.stderr };
}

/** Anything commands run in. */
export interface Execs {
  exec(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** What a request that got no HTTP answer met, from the workload client's curl-like exit code and its error. */
export function connectionOutcome(r: { exitCode: number; stderr?: string; body: string }): string {
  if (r.exitCode === 7) return "refused";
  if (r.exitCode === 28) return "timeout";
  if (/EOF|connection reset/i.test(`${r.body} ${r.stderr ?? ""}`)) return "closed without an answer";
  return `no answer (exit ${r.exitCode}${r.stderr ? `: ${r.stderr.trim().slice(0, 60)}` : ""})`;
}

/** Consul's answer: `403 <permission>` for an ACL refusal, the status and a short body otherwise. */
export function consulOutcome(r: { status?: number; body: string; exitCode?: number; stderr?: string }): string {
  if (r.status === undefined) return connectionOutcome({ exitCode: r.exitCode ?? -1, body: r.body, ...(r.stderr !== undefined ? { stderr: r.stderr } : {}) });
  const perm = /lacks permission '([a-z]+:[a-z]+)'/.exec(r.body)?.[1];
  if (r.status === 403 && r.body.includes("ACL bootstrap no longer allowed")) return "403 bootstrap no longer allowed";
  if (r.status === 403 && /blocked by agent configuration/i.test(r.body)) return "403 endpoint blocked";
  if (r.status === 403) return perm ? `403 ${perm}` : `403 ${r.body.trim().slice(0, 40)}`;
  const body = r.body.trim();
  if (r.status === 200 && (body === "[]" || body === "{}" || body === "null")) return `200 ${body} (filtered)`;
  return String(r.status);
}

/** A sidecar's or gateway's answer: `403 RBAC` when intentions refused, else the status. */
export function meshOutcome(r: { status?: number; body: string; exitCode?: number; stderr?: string }): string {
  if (r.status === undefined) return connectionOutcome({ exitCode: r.exitCode ?? -1, body: r.body, ...(r.stderr !== undefined ? { stderr: r.stderr } : {}) });
  if (r.status === 403 && r.body.includes("RBAC: access denied")) return "403 RBAC";
  if (r.status === 503 && r.body.includes("no healthy upstream")) return "503 no healthy upstream";
  if (r.status === 404 && r.body.trim() === "") return "404 no route";
  return String(r.status);
}

/** Which forged values reached the app, from the workload's echo (`headers` and `headers.proxy`). */
export function forgedSeen(echo: string, allowed: Readonly<Record<string, string>> = {}): string {
  let body: { headers?: { "x-forwarded-client-cert"?: string; proxy?: Record<string, string> } };
  try {
    body = JSON.parse(echo) as typeof body;
  } catch {
    return `no echo: ${echo.slice(0, 60)}`;
  }
  const seen = { ...(body.headers?.proxy ?? {}), "x-forwarded-client-cert": body.headers?.["x-forwarded-client-cert"] ?? "" };
  const forged = Object.entries(seen)
    .filter(([name, value]) => value && allowed[name] !== value && /6\.6\.6\.6|forged/.test(value))
    .map(([name, value]) => `${name}=${value}`);
  return forged.length ? `forged: ${forged.sort().join(", ")}` : "no forged header";
}

/** Starts a container on the mesh's network that is not part of the mesh (the workload image, idle). */
export async function startOutsider(mesh: StartedMesh): Promise<StartedTestContainer> {
  return new GenericContainer(mesh.plan.images.workload)
    .withName(`${mesh.runId}-outsider`)
    .withNetworkMode(mesh.networkName)
    .withCommand(["probe"])
    .withLabels({ [RUN_LABEL]: mesh.runId })
    .start();
}

/**
 * Starts a Consul client agent that tries to join the mesh's server: with no gossip key, or
 * with a key of its own. It has no TLS setup either: gossip is what it must not get through.
 */
export async function startRogueAgent(mesh: StartedMesh, node: string, gossipKey?: string): Promise<StartedTestContainer> {
  return new GenericContainer(mesh.plan.images.consul)
    .withName(`${mesh.runId}-${node}`)
    .withNetworkMode(mesh.networkName)
    .withCommand([
      "agent",
      "-node",
      node,
      "-data-dir",
      "/tmp/consul",
      "-retry-join",
      mesh.plan.consul.server.container,
      "-bind",
      '{{ GetInterfaceIP "eth0" }}',
      ...(gossipKey ? ["-encrypt", gossipKey] : []),
    ])
    .withLabels({ [RUN_LABEL]: mesh.runId })
    .start();
}

/** Whether `node` is in the server's member list, and the rogue agent's own reason when not. */
export async function membership(mesh: StartedMesh, node: string, rogue: StartedTestContainer): Promise<string> {
  const res = await fetch(`${mesh.consul.url()}/v1/agent/members`, { headers: { "x-consul-token": mesh.consul.token } });
  const members = (await res.json()) as { Name: string; Status: number }[];
  if (members.some((m) => m.Name === node)) return "joined";
  const why = (await containerLogs(rogue.getId())).map((l) => /Failed to join [^:]+:\d+: (.*)$/.exec(l)?.[1]).find(Boolean);
  return `not a member${why ? ` (${why.trim()})` : ""}`;
}

/** A raw HTTP/1.1 request written byte for byte from inside a container (bash's /dev/tcp): duplicate headers, unnormalized paths. */
export async function rawHttp(container: Execs, port: number, request: string): Promise<GetResult> {
  const script = 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 7; printf "%s" "$2" >&3; timeout 10 cat <&3';
  const r = await container.exec(["bash", "-c", script, "_", String(port), request]);
  const [head = "", ...rest] = r.stdout.split("\r\n\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  const headers = Object.fromEntries(
    head
      .split("\r\n")
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { exitCode: r.exitCode, ...(status ? { status: Number(status) } : {}), headers, body: rest.join("\r\n\r\n"), stderr: r.stderr };
}

/** An HTTPS request from the test process, with a client certificate when given. */
export function tlsRequest(opts: {
  /** Where the port is published (the container's `getHost()`). */
  host: string;
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  ca: string | string[];
  cert?: string;
  key?: string;
}): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: opts.host,
        port: opts.port,
        path: opts.path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        // mesh certificates name a SPIFFE identity, not a host
        checkServerIdentity: () => undefined,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ body: "", error: `${e.code ?? ""} ${e.message}`.trim() }));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/**
 * A TLS handshake and one request to a sidecar's public port, from the test process, with the
 * given client certificate (or none): what the sidecar answers, in TLS terms.
 */
export function tlsAttempt(host: string, port: number, client: { cert?: string; key?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...client }, () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const done = (what: string) => {
      socket.destroy();
      resolve(what);
    };
    socket.setTimeout(10_000, () => done("timeout"));
    socket.on("data", (d: Buffer) => done(`answered ${d.toString("utf8").split("\r\n")[0]}`));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      const alert = /alert (.*?):|tlsv13 alert (.*?):|sslv3 alert (.*?):/.exec(e.message);
      done(alert ? `TLS alert ${(alert[1] ?? alert[2] ?? alert[3] ?? "").trim()}` : `error ${e.code ?? e.message}`);
    });
    socket.on("close", () => done("closed"));
  });
}

/** The mesh network's gateway: the address the test process's requests come from, as containers see them. */
export async function networkGateway(mesh: StartedMesh): Promise<string> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const info = await docker.getNetwork(mesh.networkName).inspect();
  const gw = (info as { IPAM?: { Config?: { Gateway?: string }[] } }).IPAM?.Config?.[0]?.Gateway;
  if (!gw) throw new Error(`network ${mesh.networkName} has no gateway address`);
  return gw;
}

/** The host's first non-loopback IPv4 address outside Docker's bridges (what a neighbour reaches the host at). */
export function lanAddress(): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|lo)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

/** A TCP connection attempt from the test process: `refused`, `connected` or the error. */
export function tcpAttempt(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 5000 });
    s.on("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.on("timeout", () => {
      s.destroy();
      resolve("timeout");
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED" ? "refused" : `error ${e.code ?? e.message}`));
  });
}
