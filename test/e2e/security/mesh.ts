import { Mesh } from "../../../sdk";

/**
 * The mesh the security e2e attacks: the shop's shape, one instance each, plus what gives
 * every defence a cell of its own.
 *
 * - payment-service takes `POST /pay` with `payments:write` from user-service and from ledger
 *   (so ledger's tokens carry payment-service as audience: a token issued to another client),
 *   and from the ingress (so end users' tokens carry it too: a human's token on a service rule).
 * - ledger lets user-service read everything but `/value/supersecret` (an exact path) and
 *   `/admin…` (a prefix): deny rules to trick. Its tokens live 10 s (the expiry cells). Its
 *   ingress rule needs `payments:write`, which user-service's token has, but not ledger's
 *   audience: a token minted for another destination.
 * - alice is granted `payments:write`, bob nothing; both log in through the password-grant
 *   client, which exists only because this mesh asks for it.
 * - the ingress routes `shop.local/api` to user-service (user-service's admin endpoints and
 *   everything else outside `/api` must stay out), `pay.local/pay` and `ledger.local/ledger`.
 */
export const bastion = new Mesh("bastion", {
  identity: {
    realm: "bastion",
    scopes: ["payments:write"],
    users: [{ username: "alice", scopes: ["payments:write"] }, { username: "bob" }],
    unsafePasswordGrantClient: true,
  },
  // the tests read what each sidecar logged a request as
  telemetry: { accessLogs: true },
});

const payment = bastion.service("payment-service", { instances: 1 });
const ledger = bastion.service("ledger", {
  instances: 1,
  upstreams: [payment],
  identity: { scopes: ["payments:write"], tokenLifetimeSeconds: 10 },
});
const user = bastion.service("user-service", {
  instances: 1,
  upstreams: [payment, ledger],
  identity: { scopes: ["payments:write"] },
});

const pay = { paths: ["/pay"], methods: ["POST" as const], scopes: ["payments:write"] };
payment.allow(user, pay);
payment.allow(ledger, pay);
payment.allow("web", pay);

ledger.allow(user, { paths: ["/"] });
ledger.deny(user, { exactPaths: ["/value/supersecret"] });
ledger.deny(user, { paths: ["/admin"] });
ledger.allow("web", { paths: ["/ledger"], scopes: ["payments:write"] });

bastion.ingress("web", {
  listeners: [
    {
      port: 8080,
      routes: [
        { host: "shop.local", pathPrefix: "/api", service: user },
        { host: "pay.local", pathPrefix: "/pay", service: payment },
        { host: "ledger.local", pathPrefix: "/ledger", service: ledger },
      ],
    },
  ],
});

export default bastion;
