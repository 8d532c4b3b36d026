import { createPrivateKey } from "node:crypto";
import type { MeshPlan } from "../../../sdk";
import { makeCertificate } from "../../../sdk/secrets/generate";
import { editAgents } from "./mutations";

/** A Connect CA whose key the test holds. */
export interface TestConnectCa {
  readonly cert: string;
  readonly key: string;
}

/**
 * The plan with Consul's built-in Connect CA given a root whose key the test holds, so the test
 * can hold a mesh identity the way a compromised app does (its own leaf certificate, which it
 * can take with its sidecar's token): every agent refuses the leaf certificate endpoint, so
 * there is no other way to get one. Nothing else about the mesh changes.
 */
export function withTestConnectCa(plan: MeshPlan): { plan: MeshPlan; ca: TestConnectCa } {
  const ca = makeCertificate({ commonName: "meshwright security e2e Connect CA", ca: true });
  // Consul parses "EC PRIVATE KEY" (SEC1) for its CA
  const sec1 = createPrivateKey(ca.key).export({ type: "sec1", format: "pem" }).toString();
  const edited = editAgents(plan, (config) => {
    if (config["server"] === true) config["connect"] = { enabled: true, ca_provider: "consul", ca_config: { private_key: sec1, root_cert: ca.cert } };
  });
  return { plan: edited, ca };
}

/** A leaf certificate for `service` in the mesh's trust domain, signed by the test's CA. */
export function leafFor(ca: TestConnectCa, trustDomain: string, datacenter: string, service: string): { cert: string; key: string; uri: string } {
  const uri = `spiffe://${trustDomain}/ns/default/dc/${datacenter}/svc/${service}`;
  return { ...makeCertificate({ commonName: service, uris: [uri], issuer: ca }), uri };
}
