import { WORKLOAD_ADMIN_PORT } from "../../compile/app";
import { at } from "../issues";
import { servicePath, type Rule } from "../context";

/**
 * Ports taken inside every instance's network namespace by the Consul agent (8301 serf,
 * 8500 HTTP, 8502 gRPC, 8600 DNS) and by Envoy (19000 admin, 20200 metrics, 21000 public
 * listener, 21500-21501 exposed paths).
 */
export const RESERVED_INSTANCE_PORTS: ReadonlyMap<number, string> = new Map([
  [8301, "the Consul agent's serf port"],
  [8500, "the Consul agent's HTTP API"],
  [8502, "the Consul agent's gRPC port"],
  [8600, "the Consul agent's DNS port"],
  [19000, "the Envoy admin port"],
  [20200, "the Envoy Prometheus listener"],
  [21000, "the sidecar's public listener"],
  [21500, "the exposed health check path"],
  [21501, "the exposed metrics path"],
]);

/** The app port and the upstream local ports of one instance do not collide. */
export const portsDoNotClash: Rule = ({ services, issues }) => {
  for (const s of services) {
    const base = servicePath(s);
    const taken = new Map<number, string>();
    // the workload's admin API listens on its own loopback port
    if (!s.app) taken.set(WORKLOAD_ADMIN_PORT, "the workload's admin port");
    const appPort = s.port ?? 8080;
    const reservedFor = RESERVED_INSTANCE_PORTS.get(appPort) ?? taken.get(appPort);
    if (reservedFor) {
      issues.add(at(base, "port"), `port ${appPort} clashes with ${reservedFor}`, "pick another port, e.g. 8080");
    }
    taken.set(appPort, "the service's own port");
    (s.upstreams ?? []).forEach((u, i) => {
      if (u.localPort === undefined) return;
      const path = at(base, "upstreams", i, "localPort");
      const clash = RESERVED_INSTANCE_PORTS.get(u.localPort) ?? taken.get(u.localPort);
      if (clash) {
        issues.add(
          path,
          `local port ${u.localPort} for "${u.service}" clashes with ${clash}`,
          "pick a free port (9001 and up are free), or omit localPort to have one chosen",
        );
      } else {
        taken.set(u.localPort, `the local port of upstream "${u.service}"`);
      }
    });
  }
};
