import { createHash } from "node:crypto";
import type { ConsulAclPlan, ConsulAclPolicy, ConsulAclToken } from "../../plan";
import type { ResolvedMesh, ResolvedService } from "../resolve";
import { SECRET } from "../secrets";
import { chainServices } from "../chain";

/**
 * ACL objects of the mesh: one token per node (node identity), one per instance (its
 * service's policy: {@link servicePolicyRules}), one per ingress gateway and one for
 * Prometheus. Apps get none. The anonymous token keeps Consul's default: no policy, so with
 * `default_policy = "deny"` an unauthenticated request can read or write nothing.
 *
 * @see https://developer.hashicorp.com/consul/docs/v1.16.x/security/acl
 */
export function aclPlan(mesh: ResolvedMesh): ConsulAclPlan {
  const dc = mesh.datacenter;
  const policies: ConsulAclPolicy[] = [
    {
      name: "prometheus",
      description: "Prometheus: discover services and scrape the agents' metrics",
      rules: ['service_prefix "" { policy = "read" }', 'node_prefix "" { policy = "read" }', 'agent_prefix "" { policy = "read" }'].join("\n"),
    },
    ...mesh.services.map((s) => ({
      name: servicePolicyName(s.name),
      description: `${s.name}: register its instances and sidecars, read the services its upstreams reach`,
      rules: servicePolicyRules(mesh, s),
    })),
    ...mesh.ingresses.map((g) => ({
      name: `gateway-${g.name}`,
      description: `ingress gateway ${g.name}: register itself and read the services it routes to`,
      rules: [
        `service "${g.name}" { policy = "write" }`,
        'service_prefix "" { policy = "read" }',
        'node_prefix "" { policy = "read" }',
        'agent_prefix "" { policy = "read" }',
      ].join("\n"),
    })),
  ];
  const tokens: ConsulAclToken[] = [
    token(mesh, SECRET.serverAgentToken, `agent token of the server nodes ${mesh.consulServers.join(", ")}`, {
      nodeIdentities: mesh.consulServers.map((nodeName) => ({ nodeName, datacenter: dc })),
    }),
    token(mesh, SECRET.prometheusToken, "Prometheus", { policies: ["prometheus"] }),
    ...mesh.ingresses.map((g) => token(mesh, SECRET.gatewayToken(g.name), `ingress gateway ${g.name}`, { policies: [`gateway-${g.name}`] })),
    ...mesh.services.flatMap((s) =>
      s.instances.flatMap((i) => [
        token(mesh, SECRET.nodeToken(i.id), `agent token of node ${i.id}`, { nodeIdentities: [{ nodeName: i.id, datacenter: dc }] }),
        token(mesh, SECRET.serviceToken(i.id), `registration and sidecar of ${i.id}`, { policies: [servicePolicyName(s.name)] }),
      ]),
    ),
  ];
  return { managementToken: SECRET.consulManagement, policies, tokens };
}

/** Name of the policy of a service's instance tokens. */
export function servicePolicyName(service: string): string {
  return `service-${service}`;
}

/**
 * What an instance's token may do: write its own service and sidecar registrations (which
 * also lets it read its intentions and get its own leaf certificate), and read the catalog
 * entries its sidecar needs for its upstreams: each service an upstream's discovery chain can
 * reach (the upstream, its routes' destinations and failover services) with its sidecars, and their nodes.
 *
 * Not Consul's service identity, which also reads every service and node (`service_prefix ""`
 * and `node_prefix ""`): the sidecar's token is in Envoy's bootstrap, and Envoy's admin API
 * (loopback, in the instance's network namespace) serves it to the app in `/config_dump`
 * (seen on the real components). With this policy a stolen token reads no more than the
 * app's own upstreams.
 */
export function servicePolicyRules(mesh: ResolvedMesh, service: ResolvedService): string {
  const reached = reachableServices(
    mesh,
    service.upstreams.map((u) => u.service),
  );
  const nodes = [...new Set([...service.instances.map((i) => i.id), ...reached.flatMap((r) => mesh.byName.get(r)?.instances.map((i) => i.id) ?? [])])].sort();
  return [
    `service "${service.name}" { policy = "write" }`,
    `service "${service.name}-sidecar-proxy" { policy = "write" }`,
    ...reached.flatMap((r) => [`service "${r}" { policy = "read" }`, `service "${r}-sidecar-proxy" { policy = "read" }`]),
    ...nodes.map((n) => `node "${n}" { policy = "read" }`),
  ].join("\n");
}

/** The services the discovery chains of `upstreams` can send traffic to (routes, splits, failover), sorted. */
function reachableServices(mesh: ResolvedMesh, upstreams: readonly string[]): string[] {
  return [...new Set(upstreams.flatMap((u) => [u, ...chainServices(mesh, mesh.byName.get(u)!)]))].sort();
}

function token(
  mesh: ResolvedMesh,
  secret: string,
  description: string,
  grants: Pick<ConsulAclToken, "serviceIdentities" | "nodeIdentities" | "policies">,
): ConsulAclToken {
  return { accessorId: stableUuid(mesh.name, secret), secret, description: `meshwright ${mesh.name}: ${description}`, ...grants };
}

/**
 * A UUID derived from the mesh and the token's secret name: accessor ids are not secret, and a
 * stable one makes every write of the token an idempotent update.
 */
export function stableUuid(mesh: string, name: string): string {
  const h = createHash("sha256").update(`meshwright\0${mesh}\0${name}`).digest("hex");
  // RFC 9562 version 8 (custom) with the RFC variant bits
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
