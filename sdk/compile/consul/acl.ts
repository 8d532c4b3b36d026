import { createHash } from "node:crypto";
import type { ConsulAclPlan, ConsulAclPolicy, ConsulAclToken } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { SECRET } from "../secrets";

/**
 * ACL objects of the mesh: one token per node (node identity), one per instance (service
 * identity: its registration and its sidecar, nothing else), one per ingress gateway and one
 * for Prometheus. Apps get none. The anonymous token keeps Consul's default: no policy, so
 * with `default_policy = "deny"` an unauthenticated request can read or write nothing.
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
    ...mesh.ingresses.map((g) => ({
      name: `gateway-${g.name}`,
      description: `ingress gateway ${g.name}: register itself and read the services it routes to`,
      rules: [`service "${g.name}" { policy = "write" }`, 'service_prefix "" { policy = "read" }', 'node_prefix "" { policy = "read" }', 'agent_prefix "" { policy = "read" }'].join("\n"),
    })),
  ];
  const tokens: ConsulAclToken[] = [
    token(mesh, SECRET.serverAgentToken, "agent token of the server node consul", { nodeIdentities: [{ nodeName: "consul", datacenter: dc }] }),
    token(mesh, SECRET.prometheusToken, "Prometheus", { policies: ["prometheus"] }),
    ...mesh.ingresses.map((g) => token(mesh, SECRET.gatewayToken(g.name), `ingress gateway ${g.name}`, { policies: [`gateway-${g.name}`] })),
    ...mesh.services.flatMap((s) =>
      s.instances.flatMap((i) => [
        token(mesh, SECRET.nodeToken(i.id), `agent token of node ${i.id}`, { nodeIdentities: [{ nodeName: i.id, datacenter: dc }] }),
        token(mesh, SECRET.serviceToken(i.id), `registration and sidecar of ${i.id}`, { serviceIdentities: [{ serviceName: s.name }] }),
      ]),
    ),
  ];
  return { managementToken: SECRET.consulManagement, policies, tokens };
}

function token(mesh: ResolvedMesh, secret: string, description: string, grants: Pick<ConsulAclToken, "serviceIdentities" | "nodeIdentities" | "policies">): ConsulAclToken {
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
