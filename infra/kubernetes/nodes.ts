import { spawnSync } from "node:child_process";
import * as http from "node:http";
import * as https from "node:https";
import type { NodeCapacity } from "./capacity";
import { apiConnection, KubeconfigUnusable, type ApiConnection } from "./kubeconfig";
import { HOSTNAME_LABEL } from "./names";
import { quantityMilliValue, quantityValue } from "./quantity";

/** Why a cluster's nodes could not be read (so a check that needs them is skipped). */
export interface NodesUnreadable {
  /** What stood in the way, in a sentence: unsupported authentication, a refusal, an unreachable server. */
  readonly reason: string;
}

/** How long a read of the nodes waits for the API server. */
export interface ReadNodesOptions {
  /** @default 15000 */
  readonly timeoutMs?: number;
}

const NODES_PATH = "/api/v1/nodes";

/**
 * The nodes of the cluster a kubeconfig's current context names, with what each can give pods:
 * `GET /api/v1/nodes` from its API server (Node's https; see `apiConnection` for the
 * authentication it supports). Returns a {@link NodesUnreadable} with the reason instead of
 * throwing when the nodes cannot be read: authentication it cannot do (exec plugins, auth
 * providers), a kubeconfig it cannot read, a server that does not answer or refuses (a user
 * who may not list nodes), so that the caller can go on without them.
 */
export async function readNodeCapacity(kubeconfig: string, { timeoutMs = 15_000 }: ReadNodesOptions = {}): Promise<NodeCapacity[] | NodesUnreadable> {
  const connection = connectionOf(kubeconfig);
  if ("reason" in connection) return connection;
  const request = requestOf(connection, timeoutMs);
  const answer = await new Promise<Answer>((resolve) => {
    const req = (request.https ? https : http).request(request.options, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", (error) => resolve({ error: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on("error", (error) => resolve({ error: error.message }));
    req.end();
  });
  return nodesOf(connection, answer);
}

/**
 * {@link readNodeCapacity}, blocking until the API server answers (or the timeout): the request
 * runs in a short-lived Node process. For a caller that must decide before it returns, such
 * as a Pulumi component's constructor, which creates nothing when it throws. This process's
 * event loop waits meanwhile, so an API server it serves itself (a test's) never answers.
 */
export function readNodeCapacitySync(kubeconfig: string, { timeoutMs = 15_000 }: ReadNodesOptions = {}): NodeCapacity[] | NodesUnreadable {
  const connection = connectionOf(kubeconfig);
  if ("reason" in connection) return connection;
  const { options, https: secure } = requestOf(connection, timeoutMs);
  const pem = (b: Buffer | undefined) => b?.toString("base64");
  const input = JSON.stringify({
    https: secure,
    timeoutMs,
    options: { ...options, ca: pem(connection.ca), cert: pem(connection.cert), key: pem(connection.key) },
  });
  // The credentials go through stdin, never the command line or the environment.
  const child = spawnSync(process.execPath, ["-e", GET_SCRIPT], {
    input,
    encoding: "utf8",
    timeout: timeoutMs + 10_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (child.error || child.status !== 0)
    return {
      reason: `the request for the nodes could not run (${child.error?.message ?? `${process.execPath} exited ${child.status}: ${child.stderr.trim()}`})`,
    };
  try {
    return nodesOf(connection, JSON.parse(child.stdout) as Answer);
  } catch (error) {
    return { reason: `the request for the nodes gave no answer that can be read: ${(error as Error).message}` };
  }
}

/** What `GET /api/v1/nodes` got: a status and body, or the error that stopped it. */
type Answer = { readonly status: number; readonly body: string } | { readonly error: string };

/**
 * The GET of {@link readNodeCapacitySync}'s process, with nothing but Node's own modules: reads
 * `{ https, timeoutMs, options }` (PEMs in base64) from stdin, prints the {@link Answer}.
 */
const GET_SCRIPT = `
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const o = input.options;
for (const k of ["ca", "cert", "key"]) if (o[k]) o[k] = Buffer.from(o[k], "base64"); else delete o[k];
const done = (answer) => process.stdout.write(JSON.stringify(answer));
const req = require(input.https ? "node:https" : "node:http").request(o, (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (c) => (body += c));
  res.on("end", () => done({ status: res.statusCode, body }));
  res.on("error", (e) => done({ error: e.message }));
});
req.on("timeout", () => req.destroy(new Error("no answer in " + input.timeoutMs / 1000 + " s")));
req.on("error", (e) => done({ error: e.message }));
req.end();
`;

function connectionOf(kubeconfig: string): ApiConnection | NodesUnreadable {
  try {
    return apiConnection(kubeconfig);
  } catch (error) {
    if (error instanceof KubeconfigUnusable) return { reason: error.message };
    throw error;
  }
}

/** The request options of `GET /api/v1/nodes` (without the CA, certificate and key, which callers add as they pass them). */
function requestOf(c: ApiConnection, timeoutMs: number): { https: boolean; options: https.RequestOptions } {
  const url = new URL(c.server);
  const headers: Record<string, string> = { accept: "application/json" };
  if (c.token) headers["authorization"] = `Bearer ${c.token}`;
  else if (c.basic) headers["authorization"] = `Basic ${Buffer.from(`${c.basic.username}:${c.basic.password}`).toString("base64")}`;
  const secure = url.protocol === "https:";
  return {
    https: secure,
    options: {
      method: "GET",
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `${url.pathname.replace(/\/$/, "")}${NODES_PATH}`,
      headers,
      timeout: timeoutMs,
      ...(secure
        ? {
            ...(c.ca ? { ca: c.ca } : {}),
            ...(c.cert && c.key ? { cert: c.cert, key: c.key } : {}),
            rejectUnauthorized: !c.insecureSkipTlsVerify,
            ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
          }
        : {}),
    },
  };
}

/** The nodes in an answer, or why there are none. */
function nodesOf(connection: ApiConnection, answer: Answer): NodeCapacity[] | NodesUnreadable {
  const server = `the API server ${connection.server}`;
  if ("error" in answer) return { reason: `${server} did not answer GET ${NODES_PATH}: ${answer.error}` };
  if (answer.status !== 200) {
    const message = apiMessage(answer.body);
    const who =
      answer.status === 401 ? "refused the kubeconfig's credentials" : answer.status === 403 ? "does not let the kubeconfig's user list nodes" : "answered";
    return { reason: `${server} ${who} (HTTP ${answer.status}${message ? `: ${message}` : ""})` };
  }
  try {
    return nodeCapacities(JSON.parse(answer.body));
  } catch (error) {
    return { reason: `${server} answered GET ${NODES_PATH} with a node list that cannot be read: ${(error as Error).message}` };
  }
}

/**
 * The nodes of a NodeList (`GET /api/v1/nodes`, `kubectl get nodes -o json`): name, hostname
 * label, allocatable CPU and memory, whether cordoned and whether Ready. Pure; throws when the
 * list is not one.
 */
export function nodeCapacities(list: unknown): NodeCapacity[] {
  const items = (list as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new Error("no items");
  return items.map((item: NodeObject) => {
    const name = item.metadata?.name;
    if (typeof name !== "string") throw new Error("a node without a name");
    const allocatable = item.status?.allocatable ?? {};
    return {
      name,
      hostname: item.metadata?.labels?.[HOSTNAME_LABEL] ?? name,
      allocatable: {
        cpuMillis: allocatable["cpu"] !== undefined ? quantityMilliValue(allocatable["cpu"]) : 0,
        memoryBytes: allocatable["memory"] !== undefined ? quantityValue(allocatable["memory"]) : 0,
      },
      unschedulable: item.spec?.unschedulable === true,
      ready: (item.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    };
  });
}

/** The fields of a Node the check reads. */
interface NodeObject {
  readonly metadata?: { readonly name?: unknown; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly unschedulable?: unknown };
  readonly status?: {
    readonly allocatable?: Readonly<Record<string, string>>;
    readonly conditions?: readonly { readonly type?: string; readonly status?: string }[];
  };
}

/** The `message` of a Kubernetes Status body, if it is one. */
function apiMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === "string" ? status.message : undefined;
  } catch {
    return body.trim().slice(0, 200) || undefined;
  }
}
