import http from "node:http";
import type { ConsulAclToken, MeshPlan } from "../../sdk";

/** How to reach the Consul server's HTTP API with a token. */
export interface ConsulApi {
  /** Base URL, e.g. `http://127.0.0.1:32770` (plain HTTP). */
  readonly url: string;
  /** The management token. */
  readonly token: string;
  /**
   * The connection pool requests go through: a started mesh's own bounded keep-alive pool
   * (what `ConsulServer.api()` passes), so every harness call to that Consul shares it.
   * @default Node's `http.globalAgent` (before the mesh's pool exists: ACL bootstrap)
   */
  readonly agent?: http.Agent;
}

/** A Consul API call failed; names the object and Consul's answer. */
export class ConsulApiError extends Error {
  override readonly name = "ConsulApiError";
}

/**
 * One authenticated request through `api.agent`; JSON in and out. Rejects only when no answer
 * came (connection refused or reset); any HTTP status is returned, with the parsed body
 * when it is JSON.
 */
export async function consulRequest<T>(
  api: ConsulApi,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T | undefined; text: string }> {
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      `${api.url}${path}`,
      {
        method,
        agent: api.agent ?? http.globalAgent,
        headers: {
          "x-consul-token": api.token,
          ...(payload !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
  let parsed: T | undefined;
  try {
    parsed = text ? (JSON.parse(text) as T) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status, body: parsed, text };
}

/**
 * Creates (or updates) the plan's ACL policies and tokens, each token with the secret id the
 * run generated for it. Retries while the server is still electing a leader or bootstrapping
 * ACLs (it answers 403 "ACL not found" or 500 "No cluster leader" until then).
 */
export async function applyAcl(plan: MeshPlan, api: ConsulApi, secrets: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const self = await consulRequest(api, "GET", "/v1/acl/token/self").catch((e: Error) => ({
      status: 0,
      text: `${api.url}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`,
      body: undefined,
    }));
    if (self.status === 200) break;
    if (Date.now() > deadline)
      throw new ConsulApiError(
        `Consul's ACL system did not accept the management token within ${timeoutMs} ms: ${self.status ? `HTTP ${self.status} ` : "no connection: "}${self.text.trim()}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const p of plan.consul.acl.policies) {
    const existing = await consulRequest<{ ID: string }>(api, "GET", `/v1/acl/policy/name/${encodeURIComponent(p.name)}`);
    const body = { Name: p.name, Description: p.description, Rules: p.rules };
    const r =
      existing.status === 200 && existing.body
        ? await consulRequest(api, "PUT", `/v1/acl/policy/${existing.body.ID}`, body)
        : await consulRequest(api, "PUT", "/v1/acl/policy", body);
    if (r.status !== 200) throw new ConsulApiError(`ACL policy ${p.name}: Consul answered ${r.status} ${r.text.trim()}`);
  }
  for (const t of plan.consul.acl.tokens) await putToken(api, t, secrets);
}

/** The body of a token write, in Consul's API casing. */
export function tokenBody(t: ConsulAclToken, secretId: string): Record<string, unknown> {
  return {
    AccessorID: t.accessorId,
    SecretID: secretId,
    Description: t.description,
    ...(t.policies?.length ? { Policies: t.policies.map((Name) => ({ Name })) } : {}),
    ...(t.serviceIdentities?.length ? { ServiceIdentities: t.serviceIdentities.map((s) => ({ ServiceName: s.serviceName })) } : {}),
    ...(t.nodeIdentities?.length ? { NodeIdentities: t.nodeIdentities.map((n) => ({ NodeName: n.nodeName, Datacenter: n.datacenter })) } : {}),
  };
}

async function putToken(api: ConsulApi, t: ConsulAclToken, secrets: Readonly<Record<string, string>>): Promise<void> {
  const secretId = secrets[t.secret];
  if (!secretId) throw new ConsulApiError(`ACL token ${t.description}: no value for secret ${t.secret}`);
  const existing = await consulRequest<{ SecretID: string }>(api, "GET", `/v1/acl/token/${t.accessorId}`);
  // A token's secret id cannot change: one with another secret is deleted and made again.
  if (existing.status === 200 && existing.body && existing.body.SecretID !== secretId) await consulRequest(api, "DELETE", `/v1/acl/token/${t.accessorId}`);
  const update = existing.status === 200 && existing.body?.SecretID === secretId;
  const r = await consulRequest(api, "PUT", update ? `/v1/acl/token/${t.accessorId}` : "/v1/acl/token", tokenBody(t, secretId));
  if (r.status !== 200) throw new ConsulApiError(`ACL token ${t.description} (${t.accessorId}): Consul answered ${r.status} ${r.text.trim()}`);
}
