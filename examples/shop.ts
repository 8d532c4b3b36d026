import { Mesh } from "../sdk";

/**
 * The reference mesh: user-service calls payment-service (two primaries and a backup) with
 * a client-credentials token carrying `payments:write`; retries and outlier detection guard
 * the calls; an ingress fronts user-service; every sidecar exports metrics.
 */
export const shop = new Mesh("shop", {
  identity: { realm: "shop", scopes: ["payments:write"], users: [{ username: "alice" }] },
});

const payment = shop.service("payment-service", {
  instances: [{}, {}, { subset: "backup" }],
  failover: { subset: "backup" },
  resilience: {
    requestTimeout: "2s",
    retries: { attempts: 2, on: ["5xx", "connect-failure"] },
    outlierDetection: { consecutive5xx: 3, interval: "5s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
  },
});

const user = shop.service("user-service", {
  upstreams: [payment],
  identity: { scopes: ["payments:write"] },
});

payment.allow(user, { paths: ["/pay"], methods: ["POST"], scopes: ["payments:write"] });

shop.ingress("web", { listeners: [{ port: 8080, routes: [{ host: "shop.local", service: user }] }] });

export default shop;
