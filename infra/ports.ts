import type { ContainerSpec, MeshPlan } from "../sdk";

/**
 * Host ports the mesh's front doors are published on (on `MeshStackArgs.publishAddress`).
 * `false` leaves that one unpublished.
 */
export interface PublishedPorts {
  /** Consul HTTP API and UI. @default 8500 */
  readonly consul: number | false;
  /** Keycloak (tokens, JWKS, admin console). @default 8080 */
  readonly keycloak: number | false;
  /** The first listener of the first ingress gateway. @default 8000 */
  readonly ingress: number | false;
  /** Prometheus API and UI. @default 9090 */
  readonly prometheus: number | false;
}

export const DEFAULT_PORTS: PublishedPorts = { consul: 8500, keycloak: 8080, ingress: 8000, prometheus: 9090 };

/** One front door of the mesh: which container port it is and where it is published. */
export interface Endpoint {
  readonly name: keyof PublishedPorts;
  readonly container: string;
  readonly containerPort: number;
  readonly hostPort: number;
}

/** The front doors the plan has and the ports say to publish. */
export function endpoints(plan: MeshPlan, ports: PublishedPorts): Endpoint[] {
  const candidates: [keyof PublishedPorts, string, number][] = [["consul", plan.consul.server.container, plan.consul.server.httpPort]];
  if (plan.keycloak) candidates.push(["keycloak", containerOf(plan, "keycloak"), portOf(plan.keycloak.url)]);
  const ingress = plan.ingresses[0];
  if (ingress?.listeners[0]) candidates.push(["ingress", ingress.container, ingress.listeners[0].port]);
  if (plan.prometheus) candidates.push(["prometheus", containerOf(plan, "prometheus"), portOf(plan.prometheus.url)]);
  return candidates.flatMap(([name, container, containerPort]) => {
    const hostPort = ports[name];
    return hostPort === false ? [] : [{ name, container, containerPort, hostPort }];
  });
}

/** `http://<address>:<port>` of each published front door. */
export function endpointUrls(list: readonly Endpoint[], address: string): Partial<Record<keyof PublishedPorts, string>> {
  return Object.fromEntries(list.map((e) => [e.name, `http://${address === "0.0.0.0" ? "127.0.0.1" : address}:${e.hostPort}`]));
}

function containerOf(plan: MeshPlan, role: ContainerSpec["role"]): string {
  const c = plan.containers.find((x) => x.role === role);
  if (!c) throw new Error(`the plan has no ${role} container`);
  return c.name;
}

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === "https:" ? 443 : 80));
}
