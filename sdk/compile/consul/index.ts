import type { ConfigEntry } from "../../plan";
import type { ResolvedMesh } from "../resolve";
import { ingressGateway } from "./ingress-gateway";
import { defaultDeny, serviceIntentions, servicesNeedingJwt } from "./intentions";
import { meshEntry } from "./mesh";
import { jwtProvider } from "./jwt-provider";
import { proxyDefaults } from "./proxy-defaults";
import { serviceResolver } from "./resolver";
import { serviceRouter } from "./router";
import { serviceDefaults } from "./service-defaults";
import { serviceSplitter } from "./splitter";

export { consulForm } from "./consul-form";

/**
 * Every config entry, in an order Consul accepts when written one by one: proxy-defaults, the
 * mesh entry and the JWT providers first; protocols (service-defaults) before the discovery chain that
 * depends on them (resolvers, then splitters, then routers); gateways; intentions last
 * (they may reference the JWT provider).
 */
export function configEntries(mesh: ResolvedMesh): ConfigEntry[] {
  const ingress = mesh.ingresses.map((g) => ingressGateway(mesh, g));
  const defined = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
  const identity = mesh.identity;
  return [
    proxyDefaults(mesh),
    meshEntry(),
    ...(identity ? servicesNeedingJwt(mesh).map((s) => jwtProvider(identity, s)) : []),
    ...mesh.services.map((s) => serviceDefaults(mesh, s)),
    ...ingress.flatMap((i) => i.virtualDefaults),
    ...defined(mesh.services.map(serviceResolver)),
    ...defined(mesh.services.map(serviceSplitter)),
    ...defined(mesh.services.map((s) => serviceRouter(mesh, s))),
    ...ingress.flatMap((i) => i.virtualRouters),
    ...ingress.map((i) => i.gateway),
    defaultDeny(),
    ...defined(mesh.services.map((s) => serviceIntentions(mesh, s))),
  ];
}
