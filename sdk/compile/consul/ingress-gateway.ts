import type { ConfigEntry } from "../../plan";
import type { ResolvedIngress, ResolvedIngressRoute, ResolvedMesh } from "../resolve";
import { isPlainRoute } from "./http-match";
import { virtualServiceDefaults } from "./service-defaults";
import { ingressRouter, UNTRUSTED_REQUEST_HEADERS } from "./router";

/**
 * What the gateway does to every request from outside: drop proxy and Envoy headers a client
 * could forge, and set `x-forwarded-for` to the client's real address: the TCP peer
 * (`DOWNSTREAM_DIRECT_REMOTE_ADDRESS`), because Envoy takes `DOWNSTREAM_REMOTE_ADDRESS` from
 * the client's own `x-forwarded-for` (seen on the real components: a forged `6.6.6.6` came
 * out as the "real" address).
 */
export const INGRESS_REQUEST_HEADERS = {
  Remove: UNTRUSTED_REQUEST_HEADERS.filter((h) => h !== "x-forwarded-for"),
  Set: { "x-forwarded-for": "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%" },
};

/** The gateway's config entry plus the virtual services and routers its path routing needs. */
export interface IngressEntries {
  readonly gateway: ConfigEntry;
  readonly virtualDefaults: ConfigEntry[];
  readonly virtualRouters: ConfigEntry[];
  readonly hosts: { port: number; protocol: "http" | "tcp"; hosts: string[] }[];
}

/**
 * Routes are grouped by host. A host routed wholly to one service (path `/`, no other
 * condition or action) targets it directly, through the service's own router; otherwise a virtual service `<gateway>-<port>-<n>` carries a service-router that
 * sends each path prefix to its service. Routes without a host match any host (`*`).
 */
export function ingressGateway(mesh: ResolvedMesh, gateway: ResolvedIngress): IngressEntries {
  const virtualDefaults: ConfigEntry[] = [];
  const virtualRouters: ConfigEntry[] = [];
  const hosts: IngressEntries["hosts"] = [];
  const listeners = gateway.listeners.map((l) => {
    if (l.protocol === "tcp") {
      hosts.push({ port: l.port, protocol: "tcp", hosts: [] });
      return { Port: l.port, Protocol: "tcp", Services: l.routes.map((r) => ({ Name: r.service })) };
    }
    const groups = new Map<string, ResolvedIngressRoute[]>();
    for (const r of l.routes) {
      const host = r.host ?? "*";
      groups.set(host, [...(groups.get(host) ?? []), r]);
    }
    let n = 0;
    const services = [...groups.entries()].map(([host, routes]) => {
      const only = routes[0];
      const headers = { RequestHeaders: { Remove: [...INGRESS_REQUEST_HEADERS.Remove], Set: { ...INGRESS_REQUEST_HEADERS.Set } } };
      if (routes.length === 1 && only && isPlainRoute(only)) return { Name: only.service, Hosts: [host], ...headers };
      const name = `${gateway.name}-${l.port}-${++n}`;
      virtualDefaults.push(virtualServiceDefaults(name));
      virtualRouters.push(ingressRouter(mesh, name, routes));
      return { Name: name, Hosts: [host], ...headers };
    });
    hosts.push({ port: l.port, protocol: "http", hosts: [...groups.keys()] });
    return { Port: l.port, Protocol: "http", Services: services };
  });
  return { gateway: { Kind: "ingress-gateway", Name: gateway.name, Listeners: listeners }, virtualDefaults, virtualRouters, hosts };
}
