import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A live Consul object as the fake holds it. */
type Stored = Record<string, unknown>;

/**
 * A stand-in for Consul's HTTP API, enough for the ACL and config entry providers: config
 * entries, policies (IDs assigned by the server, found by name) and tokens (SecretID fixed at
 * creation), behind a management token. It answers like Consul: 403 "ACL not found" for
 * another token, 404 for a missing object, its own fields added, durations in Go's spelling,
 * and "No cluster leader" for the first `noLeaderFor` requests.
 */
export class FakeConsul {
  readonly entries = new Map<string, Stored>();
  readonly policies = new Map<string, Stored>();
  readonly tokens = new Map<string, Stored>();
  /** Every request as `METHOD path`. */
  readonly requests: string[] = [];
  noLeaderFor = 0;
  private index = 1;
  private server?: Server;
  address = "";

  constructor(readonly managementToken = randomUUID()) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Writes an entry as someone outside Pulumi would. */
  putEntry(entry: Stored): void {
    this.entries.set(`${entry.Kind}/${entry.Name}`, this.stamp(respell(entry)));
  }

  private stamp(o: Stored): Stored {
    return { ...o, CreateIndex: this.index, ModifyIndex: this.index++ };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Stored) : undefined;
    const path = req.url ?? "";
    const method = req.method ?? "GET";
    this.requests.push(`${method} ${path}`);
    const send = (status: number, value?: unknown) => {
      res.writeHead(status, { "content-type": status === 200 ? "application/json" : "text/plain" });
      res.end(status === 200 ? JSON.stringify(value ?? null) : String(value ?? ""));
    };
    if (this.noLeaderFor > 0) {
      this.noLeaderFor--;
      return send(500, "No cluster leader");
    }
    if (req.headers["x-consul-token"] !== this.managementToken) return send(403, "ACL not found");
    let m: RegExpExecArray | null;
    if (method === "PUT" && path === "/v1/config") {
      if (body?.Kind === "service-router" && !this.entries.has(`service-defaults/${body.Name}`))
        return send(500, `discovery chain "${body.Name}" uses a protocol "tcp" that does not permit http routes`);
      this.putEntry(body!);
      return send(200, true);
    }
    if ((m = /^\/v1\/config\/([^/]+)\/([^/]+)$/.exec(path))) {
      const key = `${m[1]}/${decodeURIComponent(m[2]!)}`;
      if (method === "GET") return this.entries.has(key) ? send(200, this.entries.get(key)) : send(404, `Config entry not found for "${key}"`);
      if (method === "DELETE") return (this.entries.delete(key), send(200, true));
    }
    if ((m = /^\/v1\/acl\/policy\/name\/(.+)$/.exec(path)) && method === "GET") {
      const p = [...this.policies.values()].find((x) => x.Name === decodeURIComponent(m![1]!));
      return p ? send(200, p) : send(404, "ACL policy not found");
    }
    if (path === "/v1/acl/policy" && method === "PUT") {
      const p = this.stamp({ ...body!, ID: randomUUID(), Hash: "abc" });
      this.policies.set(p.ID as string, p);
      return send(200, p);
    }
    if ((m = /^\/v1\/acl\/policy\/([0-9a-f-]+)$/.exec(path))) {
      if (!this.policies.has(m[1]!)) return send(404, "Cannot find policy");
      if (method === "PUT") return (this.policies.set(m[1]!, this.stamp({ ...body!, ID: m[1] })), send(200, this.policies.get(m[1]!)));
      if (method === "DELETE") return (this.policies.delete(m[1]!), send(200, true));
    }
    if (path === "/v1/acl/token" && method === "PUT") {
      const t = body!;
      if (this.tokens.has(t.AccessorID as string)) return send(500, "Invalid Token: AccessorID is already in use");
      const stored = this.stamp({ ...t, Policies: ((t.Policies as Stored[]) ?? []).map((p) => ({ ...p, ID: randomUUID() })) });
      this.tokens.set(t.AccessorID as string, stored);
      return send(200, stored);
    }
    if ((m = /^\/v1\/acl\/token\/([0-9a-f-]+)$/.exec(path))) {
      const t = this.tokens.get(m[1]!);
      // As Consul 1.16 answers: 403, not 404.
      if (method === "GET") return t ? send(200, t) : send(403, "token does not exist: ACL not found");
      if (method === "DELETE") return (this.tokens.delete(m[1]!), send(200, true));
      if (method === "PUT") {
        if (!t) return send(500, `Cannot find token "${m[1]}"`);
        if (body!.SecretID && body!.SecretID !== t.SecretID) return send(500, "Changing a token's SecretID is not permitted");
        this.tokens.set(m[1]!, this.stamp({ ...body!, SecretID: t.SecretID }));
        return send(200, this.tokens.get(m[1]!));
      }
    }
    send(405, `fake Consul does not do ${method} ${path}`);
  }
}

/** Consul's spelling of durations (`1m` → `1m0s`), applied everywhere in an object. */
function respell(v: unknown): any {
  if (typeof v === "string") return /^\d+m$/.test(v) ? `${v}0s` : v;
  if (Array.isArray(v)) return v.map(respell);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, respell(x)]));
  return v;
}
