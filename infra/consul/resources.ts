import * as pulumi from "@pulumi/pulumi";
import type { ConfigEntry, ConsulAclPolicy as PlanAclPolicy, ConsulAclToken as PlanAclToken } from "../../sdk";
import { aclPolicyProvider, aclTokenProvider, configEntryProvider, type Drift } from "./providers";

/**
 * Where a Consul resource reaches the server's HTTP API, and with which token. The address
 * must be reachable from where Pulumi runs: MeshStack passes the host-published port when it
 * publishes Consul's, else the server container's address on the Docker bridge network (which
 * the host reaches on Linux, not from Docker Desktop's VM).
 */
export interface ConsulAccess {
  /** `http://host:port` of the server's HTTP API. */
  readonly address: pulumi.Input<string>;
  /** The management token (a secret). */
  readonly token: pulumi.Input<string>;
  /** Id of the server container: a new server holds none of the old objects, so they are written again. */
  readonly serverId: pulumi.Input<string>;
}

/** A Consul object kept as the plan says; `restored` tells what the last update put back. */
abstract class ConsulResource extends pulumi.dynamic.Resource {
  /** What the object is: `service-intentions/payment-service`, `acl-policy/<name>`, `acl-token/<secret>`. */
  declare readonly subject: pulumi.Output<string>;
  /**
   * What the last update found in Consul before it wrote the plan's version back: `changed`
   * or `deleted` outside Pulumi; undefined when Consul held what Pulumi wrote.
   */
  declare readonly restored: pulumi.Output<Drift | undefined>;
}

/** Bump when the providers' behaviour changes: existing objects then get the new code (see `ConsulConnection.revision`). */
export const CONSUL_PROVIDER_REVISION = 1;

function connection(access: ConsulAccess, subject: string) {
  return {
    address: access.address,
    token: pulumi.secret(access.token),
    serverId: access.serverId,
    subject,
    revision: CONSUL_PROVIDER_REVISION,
    restored: undefined,
  };
}

const SECRET_OUTPUTS = ["token", "secretId"];

/** A config entry (`PUT /v1/config`); its subject is `<kind>/<name>`. */
export class ConsulConfigEntry extends ConsulResource {
  constructor(
    name: string,
    args: {
      readonly access: ConsulAccess;
      readonly entry: ConfigEntry;
      /** The entry to write when it differs from `entry` (e.g. with secret references resolved, as a secret). @default entry */
      readonly content?: pulumi.Input<Record<string, unknown>>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    const { Kind: kind, Name: entryName } = args.entry;
    super(
      configEntryProvider,
      name,
      { ...connection(args.access, `${kind}/${entryName}`), kind, name: entryName, entry: args.content ?? args.entry },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "consul",
      "ConfigEntry",
    );
  }
}

/** An ACL policy, found and updated by name. */
export class ConsulPolicy extends ConsulResource {
  constructor(name: string, args: { readonly access: ConsulAccess; readonly policy: PlanAclPolicy }, opts?: pulumi.CustomResourceOptions) {
    const p = args.policy;
    super(
      aclPolicyProvider,
      name,
      { ...connection(args.access, `acl-policy/${p.name}`), name: p.name, description: p.description, rules: p.rules },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "consul",
      "AclPolicy",
    );
  }
}

/** An ACL token with the plan's AccessorID and a SecretID from the stack's secrets. */
export class ConsulToken extends ConsulResource {
  constructor(
    name: string,
    args: { readonly access: ConsulAccess; readonly token: PlanAclToken; readonly secretId: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    const t = args.token;
    super(
      aclTokenProvider,
      name,
      {
        ...connection(args.access, `acl-token/${t.secret}`),
        accessorId: t.accessorId,
        secretId: pulumi.secret(args.secretId),
        description: t.description,
        serviceIdentities: (t.serviceIdentities ?? []).map((s) => ({ serviceName: s.serviceName })),
        nodeIdentities: (t.nodeIdentities ?? []).map((n) => ({ nodeName: n.nodeName, datacenter: n.datacenter })),
        policies: [...(t.policies ?? [])],
      },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "consul",
      "AclToken",
    );
  }
}
