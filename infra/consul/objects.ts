import * as pulumi from "@pulumi/pulumi";
import type { MeshPlan } from "../../sdk";
import { resolveJson, type SecretValues } from "../secrets/references";
import { ConsulConfigEntry, ConsulPolicy, ConsulToken, type ConsulAccess } from "./resources";

/** The Consul objects of a plan, as Pulumi resources: what agents, sidecars and gateways wait for. */
export interface ConsulObjects {
  /** Every policy, token and config entry by subject (`acl-policy/x`, `acl-token/<secret>`, `service-intentions/web`). */
  readonly all: Readonly<Record<string, ConsulConfigEntry | ConsulPolicy | ConsulToken>>;
  /** Tokens by the plan secret that holds their secret id. */
  readonly tokensBySecret: Readonly<Record<string, ConsulToken>>;
  /** Config entries in the plan's order (each depends on the one before it). */
  readonly entries: readonly ConsulConfigEntry[];
}

/**
 * The plan's ACL policies, ACL tokens and config entries, written through Consul's HTTP API
 * once `server` (the first Consul server, healthy) exists; every realizer's way to Consul.
 * Entries go one after another in the plan's order, since Consul checks each against those
 * before it.
 */
export function consulObjects(
  name: string,
  plan: MeshPlan,
  access: ConsulAccess,
  values: pulumi.Output<SecretValues>,
  server: pulumi.Resource,
  parent: pulumi.Resource,
): ConsulObjects {
  const all: Record<string, ConsulConfigEntry | ConsulPolicy | ConsulToken> = {};
  const tokensBySecret: Record<string, ConsulToken> = {};
  const entries: ConsulConfigEntry[] = [];
  const policies = plan.consul.acl.policies.map((p) => {
    const r = new ConsulPolicy(`${name}-acl-policy/${p.name}`, { access, policy: p }, { parent, dependsOn: [server] });
    all[`acl-policy/${p.name}`] = r;
    return r;
  });
  for (const t of plan.consul.acl.tokens) {
    const secretId = values.apply((v) => v[t.secret] ?? "");
    const r = new ConsulToken(`${name}-acl-token/${t.secret}`, { access, token: t, secretId }, { parent, dependsOn: [server, ...policies] });
    all[`acl-token/${t.secret}`] = r;
    tokensBySecret[t.secret] = r;
  }
  for (const e of plan.consul.configEntries) {
    const previous = entries.at(-1);
    const r = new ConsulConfigEntry(
      `${name}-${e.Kind}/${e.Name}`,
      { access, entry: e, content: resolveJson(e as Record<string, unknown>, values) },
      { parent, dependsOn: [server, ...(previous ? [previous] : [])] },
    );
    all[`${e.Kind}/${e.Name}`] = r;
    entries.push(r);
  }
  return { all, tokensBySecret, entries };
}
