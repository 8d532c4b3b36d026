/**
 * Pulumi dynamic providers that keep Consul's ACL policies, ACL tokens and config entries as
 * the plan says, through Consul's HTTP API with the management token.
 *
 * Every resource notices when Consul no longer holds what Pulumi wrote: `diff` looks at the
 * live object (so a plain `pulumi preview`/`up` shows drift as an update), `read` records it
 * for `pulumi refresh`, and `update` writes the plan's version back and reports in its
 * `restored` output what it found. Runs inside the provider plugin as serialized code: it
 * imports only the dependency-free helpers beside it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigEntry } from "../../sdk/plan";
import { consulForm } from "../../sdk/compile/consul/consul-form";
import { entryDrift } from "../../sdk/compile/consul/drift";
import { consulApiError, consulCall, isConsulApiError, LOOK_ONCE, WRITE_RETRY, type ConsulEndpoint, type RetryPolicy } from "./http";

/** What Pulumi found in Consul before it wrote the plan's version back. */
export type Drift = "changed" | "deleted";

/** Inputs every Consul resource has: where Consul is, and which server container it is. */
export interface ConsulConnection extends ConsulEndpoint {
  /**
   * Id of the Consul server container. A new server holds none of the old objects, so a
   * changed id rewrites them all; it is not drift.
   */
  readonly serverId: string;
  /** What the object is, for messages and the URN: `service-intentions/payment-service`. */
  readonly subject: string;
  /**
   * Revision of this provider code. Pulumi keeps each resource's provider code in its state and
   * refreshes and deletes with that copy; a new revision makes every object an update, which
   * stores the new code.
   */
  readonly revision: number;
}

/** State of a Consul resource: its inputs, and what the last refresh or update found. */
export type ConsulState<T extends ConsulConnection> = T & {
  /** Set by `read` (refresh) when Consul holds something else: the next update writes the plan's version back. */
  readonly drift?: Drift;
  /** Set by `update`: what it found in Consul and wrote over (for messages; not a change to make). */
  readonly restored?: Drift;
};

/** How one kind of Consul object is read, written and deleted. */
interface ConsulObject<T extends ConsulConnection> {
  /** The live object, or undefined when Consul has none. */
  live(inputs: T, retry: RetryPolicy): Promise<unknown>;
  /** Where the live object differs from what `inputs` says; empty when it is the same. */
  differences(inputs: T, live: unknown): string[];
  /** Writes the object: creates it, or updates `live`. */
  write(inputs: T, live: unknown): Promise<void>;
  remove(props: T): Promise<void>;
}

/** Fields of the inputs that change what is written, as opposed to where and by whom. */
function planned<T extends ConsulConnection>(inputs: T): Record<string, unknown> {
  const {
    address: _a,
    token: _t,
    serverId: _s,
    subject: _n,
    revision: _v,
    drift: _d,
    restored: _r,
    __provider: _p,
    ...rest
  } = inputs as T & {
    drift?: unknown;
    restored?: unknown;
    __provider?: unknown;
  };
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** A Consul object as a dynamic provider: create, diff against the live object, read, update, delete. */
function consulProvider<T extends ConsulConnection>(object: ConsulObject<T>): pulumi.dynamic.ResourceProvider {
  /** What Consul holds now compared with `inputs`; undefined when Consul does not answer. */
  async function driftOf(inputs: T, retry: RetryPolicy): Promise<Drift | undefined | "same"> {
    try {
      const live = await object.live(inputs, retry);
      if (live === undefined) return "deleted";
      return object.differences(inputs, live).length ? "changed" : "same";
    } catch (error) {
      if (isConsulApiError(error) && error.unreachable) return undefined;
      throw error;
    }
  }
  return {
    async create(inputs: T) {
      await object.write(inputs, await object.live(inputs, WRITE_RETRY));
      return { id: inputs.subject, outs: { ...inputs } };
    },
    async diff(_id: string, olds: ConsulState<T>, news: T) {
      const moved = olds.address !== news.address || olds.token !== news.token || olds.serverId !== news.serverId || olds.revision !== news.revision;
      if (moved || olds.drift || !sameJson(planned(olds), planned(news))) return { changes: true };
      // Inputs unchanged: whether Consul still holds them decides. No answer: nothing to say.
      const found = await driftOf(news, LOOK_ONCE);
      return { changes: found === "changed" || found === "deleted" };
    },
    async read(id: string, props: ConsulState<T>) {
      const found = await driftOf(props, LOOK_ONCE);
      const { drift: _old, ...rest } = props;
      return { id, props: found === "changed" || found === "deleted" ? { ...rest, drift: found } : found === "same" ? rest : props };
    },
    async update(_id: string, olds: ConsulState<T>, news: T) {
      const live = await object.live(news, WRITE_RETRY);
      // What Consul held compared with what Pulumi last wrote; on a new server nothing is drift.
      let drift: Drift | undefined = olds.drift;
      if (!drift && olds.serverId === news.serverId && olds.address === news.address)
        drift = live === undefined ? "deleted" : object.differences(olds, live).length ? "changed" : undefined;
      await object.write(news, live);
      return { outs: { ...news, ...(drift ? { restored: drift } : {}) } };
    },
    async delete(_id: string, props: ConsulState<T>) {
      try {
        await object.remove(props);
      } catch (error) {
        // No server, nothing left to delete: Consul keeps its state in the container.
        if (isConsulApiError(error) && error.unreachable) return;
        throw error;
      }
    },
  };
}

/** Delete retries briefly: at `pulumi destroy` the server is up; a server that is gone takes its objects with it. */
const DELETE_RETRY: RetryPolicy = { withinMs: 5_000, timeoutMs: 5_000 };

// ---------------------------------------------------------------------------------------------
// Config entries

/** Inputs of a config entry resource. */
export interface ConfigEntryInputs extends ConsulConnection {
  readonly kind: string;
  readonly name: string;
  /** The entry as the plan has it (Consul's JSON casing). */
  readonly entry: ConfigEntry;
}

/** Config entries: `PUT /v1/config`, `GET` and `DELETE /v1/config/:kind/:name`. */
export const configEntryProvider = consulProvider<ConfigEntryInputs>({
  async live(i, retry) {
    return (await consulCall(i, i.subject, "GET", `/v1/config/${i.kind}/${encodeURIComponent(i.name)}`, undefined, retry)).body;
  },
  differences(i, live) {
    return entryDrift(i.entry, live as Record<string, unknown>);
  },
  async write(i) {
    // As Consul takes it: the mesh entry without the Name it refuses.
    const res = await consulCall(i, i.subject, "PUT", "/v1/config", consulForm(i.entry), WRITE_RETRY);
    if (res.body !== true) throw consulApiError(i.subject, "PUT", "/v1/config", res.status, `not written (answer ${JSON.stringify(res.body)})`);
  },
  async remove(i) {
    await consulCall(i, i.subject, "DELETE", `/v1/config/${i.kind}/${encodeURIComponent(i.name)}`, undefined, DELETE_RETRY);
  },
});

// ---------------------------------------------------------------------------------------------
// ACL policies

/** Inputs of an ACL policy resource. */
export interface AclPolicyInputs extends ConsulConnection {
  readonly name: string;
  readonly description: string;
  /** Rules in HCL. */
  readonly rules: string;
}

interface LivePolicy {
  readonly ID: string;
  readonly Name: string;
  readonly Description?: string;
  readonly Rules?: string;
}

/**
 * ACL policies, found by name (`GET /v1/acl/policy/name/:name`): Consul assigns the ID when it
 * creates one (`PUT /v1/acl/policy`), so an update goes to the ID it has (`PUT /v1/acl/policy/:id`).
 */
export const aclPolicyProvider = consulProvider<AclPolicyInputs>({
  async live(i, retry) {
    return (await consulCall(i, i.subject, "GET", `/v1/acl/policy/name/${encodeURIComponent(i.name)}`, undefined, retry)).body;
  },
  differences(i, live) {
    const p = live as LivePolicy;
    return [...((p.Description ?? "") !== i.description ? ["Description"] : []), ...((p.Rules ?? "").trim() !== i.rules.trim() ? ["Rules"] : [])];
  },
  async write(i, live) {
    const body = { Name: i.name, Description: i.description, Rules: i.rules };
    const existing = live as LivePolicy | undefined;
    const path = existing ? `/v1/acl/policy/${existing.ID}` : "/v1/acl/policy";
    await consulCall(i, i.subject, "PUT", path, existing ? { ...body, ID: existing.ID } : body, WRITE_RETRY);
  },
  async remove(i) {
    // By name: the ID in state may be of a policy someone deleted and made again.
    const live = (await consulCall(i, i.subject, "GET", `/v1/acl/policy/name/${encodeURIComponent(i.name)}`, undefined, DELETE_RETRY)).body as
      LivePolicy | undefined;
    if (live) await consulCall(i, i.subject, "DELETE", `/v1/acl/policy/${live.ID}`, undefined, DELETE_RETRY);
  },
});

// ---------------------------------------------------------------------------------------------
// ACL tokens

/** Inputs of an ACL token resource. */
export interface AclTokenInputs extends ConsulConnection {
  readonly accessorId: string;
  /** The token's SecretID (a secret). */
  readonly secretId: string;
  readonly description: string;
  readonly serviceIdentities: readonly { readonly serviceName: string }[];
  readonly nodeIdentities: readonly { readonly nodeName: string; readonly datacenter: string }[];
  /** Policy names. */
  readonly policies: readonly string[];
}

interface LiveToken {
  readonly AccessorID: string;
  readonly SecretID: string;
  readonly Description?: string;
  readonly Policies?: readonly { readonly ID: string; readonly Name: string }[];
  readonly ServiceIdentities?: readonly { readonly ServiceName: string }[];
  readonly NodeIdentities?: readonly { readonly NodeName: string; readonly Datacenter: string }[];
}

/** The same names in any order (a token's policies and identities). */
function sameNames(planned: readonly string[], live: readonly string[]): boolean {
  return planned.length === live.length && [...planned].sort().join("\0") === [...live].sort().join("\0");
}

function tokenBody(i: AclTokenInputs) {
  return {
    AccessorID: i.accessorId,
    SecretID: i.secretId,
    Description: i.description,
    Policies: i.policies.map((Name) => ({ Name })),
    ServiceIdentities: i.serviceIdentities.map((s) => ({ ServiceName: s.serviceName })),
    NodeIdentities: i.nodeIdentities.map((n) => ({ NodeName: n.nodeName, Datacenter: n.datacenter })),
  };
}

/**
 * ACL tokens with the plan's AccessorID and the SecretID from the stack's secrets: created with
 * both (`PUT /v1/acl/token`), updated at `PUT /v1/acl/token/:accessor`. Consul does not let a
 * token's SecretID change, so a token whose SecretID differs is deleted and made again.
 */
export const aclTokenProvider = consulProvider<AclTokenInputs>({
  async live(i, retry) {
    try {
      return (await consulCall(i, i.subject, "GET", `/v1/acl/token/${i.accessorId}`, undefined, retry)).body;
    } catch (error) {
      // Consul answers a read of a token it does not have with 403 "token does not exist: ACL not found".
      if (isConsulApiError(error) && error.status === 403 && /does not exist/i.test(error.answer)) return undefined;
      throw error;
    }
  },
  differences(i, live) {
    const t = live as LiveToken;
    return [
      ...(t.SecretID !== i.secretId ? ["SecretID"] : []),
      ...((t.Description ?? "") !== i.description ? ["Description"] : []),
      ...(sameNames(
        i.policies,
        (t.Policies ?? []).map((p) => p.Name),
      )
        ? []
        : ["Policies"]),
      ...(sameNames(
        i.serviceIdentities.map((s) => s.serviceName),
        (t.ServiceIdentities ?? []).map((s) => s.ServiceName),
      )
        ? []
        : ["ServiceIdentities"]),
      ...(sameNames(
        i.nodeIdentities.map((n) => `${n.nodeName}@${n.datacenter}`),
        (t.NodeIdentities ?? []).map((n) => `${n.NodeName}@${n.Datacenter}`),
      )
        ? []
        : ["NodeIdentities"]),
    ];
  },
  async write(i, live) {
    const existing = live as LiveToken | undefined;
    if (existing && existing.SecretID !== i.secretId) {
      await consulCall(i, i.subject, "DELETE", `/v1/acl/token/${i.accessorId}`, undefined, WRITE_RETRY);
    } else if (existing) {
      await consulCall(i, i.subject, "PUT", `/v1/acl/token/${i.accessorId}`, tokenBody(i), WRITE_RETRY);
      return;
    }
    await consulCall(i, i.subject, "PUT", "/v1/acl/token", tokenBody(i), WRITE_RETRY);
  },
  async remove(i) {
    await consulCall(i, i.subject, "DELETE", `/v1/acl/token/${i.accessorId}`, undefined, DELETE_RETRY);
  },
});
