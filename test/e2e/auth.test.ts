/**
 * Authorization on the shop, as a matrix: for each request (token variants and path tricks)
 * the expected and actual status through the real sidecars and the ingress. Any cell that
 * differs fails the test and prints the whole table.
 *
 * The mesh is the shop (examples/shop.ts) with what the token-binding checks need: a second
 * caller of payment-service (batch-service, whose own token works for it and for nobody else:
 * `azp`), a service whose token carries the scope but not payment-service's audience
 * (report-service), an ingress route to payment-service that needs a user's token, and the
 * password-grant test client that end-user tokens come from (`unsafePasswordGrantClient`,
 * tests only).
 */
import { formatAuthMatrix, mismatches, type AuthCell } from "../../harness/probes/auth-matrix";
import { decodeJwt, hs256WithPublicKey, signedByStranger, tamperedToken, unsignedToken } from "../../harness/probes/forged-tokens";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile, Mesh } from "../../sdk";

const shop = new Mesh("shop", {
  identity: {
    realm: "shop",
    scopes: ["payments:write"],
    users: [{ username: "alice", scopes: ["payments:write"] }, { username: "bob" }],
    unsafePasswordGrantClient: true,
  },
  telemetry: { metrics: false },
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
const user = shop.service("user-service", { upstreams: [payment], identity: { scopes: ["payments:write"] } });
const batch = shop.service("batch-service", { upstreams: [payment], identity: { scopes: ["payments:write"] } });
shop.service("report-service", { identity: { scopes: ["payments:write"] } });
const web = shop.ingress("web", {
  listeners: [
    {
      port: 8080,
      routes: [
        { host: "shop.local", service: user },
        { host: "pay.local", service: payment },
      ],
    },
  ],
});
const POST_PAY = { paths: ["/pay"], methods: ["POST" as const], scopes: ["payments:write"] };
payment.allow(user, POST_PAY);
payment.allow(batch, POST_PAY);
payment.allow(web, POST_PAY);

const plan = compile(shop);

/** The workload echoes what reached it: true when payment-service's app saw a path other than /pay. */
function reachedOtherThanPay(body: string): boolean {
  try {
    const echo = JSON.parse(body) as { service?: string; path?: string };
    return echo.service === "payment-service" && echo.path !== "/pay";
  } catch {
    return false;
  }
}

describe("auth matrix on the shop mesh, in the mesh and through the ingress", () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(plan);
    await waitConverged(running);
  }, 400_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("lets only payments:write tokens issued to their caller and for payment-service POST /pay, and refuses every forgery and trick", async () => {
    const m = running!;
    const valid = await m.tokenFor("user-service");
    const otherClient = await m.tokenFor("payment-service"); // a real token without payments:write
    const batchToken = await m.tokenFor("batch-service"); // payments:write and payment-service's audience, issued to batch-service
    const reportToken = await m.tokenFor("report-service"); // payments:write, but not for payment-service
    const alice = await m.userToken("alice", { scopes: ["payments:write"] });
    const bob = await m.userToken("bob"); // no payments:write: the realm does not grant it to bob
    // What makes each of these a test of one check: the claims the others would pass.
    const scoped = (t: string) =>
      (decodeJwt(t).payload as { meshwright?: { scopes?: Record<string, string> } }).meshwright?.scopes?.["payments:write"] === "true";
    const audiences = (t: string) => [decodeJwt(t).payload.aud].flat();
    expect({ batch: scoped(batchToken), report: scoped(reportToken), alice: scoped(alice), bob: scoped(bob) }).toEqual({
      batch: true,
      report: true,
      alice: true,
      bob: false,
    });
    expect({
      batch: audiences(batchToken).includes("payment-service"),
      report: audiences(reportToken).includes("payment-service"),
      alice: audiences(alice).includes("payment-service"),
    }).toEqual({ batch: true, report: false, alice: true });
    const jwks = (await (await fetch(`${m.keycloakUrl()}/realms/${plan.keycloak!.realmName}/protocol/openid-connect/certs`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const rsaKey = jwks.keys.find((k) => k.use === "sig" && k.kty === "RSA")!;
    const scopeClaim = plan.keycloak!.claims.scopePrefix;
    const withoutScope = tamperedToken(valid, (c) => ({ ...c, [scopeClaim[0]!]: {} }));

    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const cases: { request: string; path: string; method?: string; headers?: Record<string, string>; expected: number }[] = [
      { request: "POST /pay, valid token", path: "/pay", method: "POST", headers: bearer(valid), expected: 200 },
      { request: "POST /pay, no token", path: "/pay", method: "POST", expected: 403 },
      { request: "POST /pay, token of a client without the scope", path: "/pay", method: "POST", headers: bearer(otherClient), expected: 403 },
      { request: "POST /pay, scope claim stripped (signature kept)", path: "/pay", method: "POST", headers: bearer(withoutScope), expected: 403 },
      { request: "POST /pay, alg none", path: "/pay", method: "POST", headers: bearer(unsignedToken(valid)), expected: 403 },
      {
        request: "POST /pay, HS256 keyed with the public key",
        path: "/pay",
        method: "POST",
        headers: bearer(hs256WithPublicKey(valid, rsaKey)),
        expected: 403,
      },
      { request: "POST /pay, signed by an unknown key (kid)", path: "/pay", method: "POST", headers: bearer(signedByStranger(valid)), expected: 403 },
      { request: "POST /pay, garbage token", path: "/pay", method: "POST", headers: bearer("not.a.jwt"), expected: 403 },
      { request: "POST /pay, batch-service's token (issued to another client: azp)", path: "/pay", method: "POST", headers: bearer(batchToken), expected: 403 },
      { request: "POST /pay, a user's token (azp mesh-tests)", path: "/pay", method: "POST", headers: bearer(alice), expected: 403 },
      { request: "POST /pay, report-service's token (another audience)", path: "/pay", method: "POST", headers: bearer(reportToken), expected: 403 },
      { request: "GET /pay, valid token (method not allowed)", path: "/pay", headers: bearer(valid), expected: 403 },
      { request: "POST /admin/state, valid token", path: "/admin/state", method: "POST", headers: bearer(valid), expected: 403 },
      { request: "POST //admin/state", path: "//admin/state", method: "POST", headers: bearer(valid), expected: 403 },
      { request: "POST /pay/../admin/state", path: "/pay/../admin/state", method: "POST", headers: bearer(valid), expected: 403 },
      { request: "POST /pay/%2e%2e/admin/state", path: "/pay/%2e%2e/admin/state", method: "POST", headers: bearer(valid), expected: 403 },
      { request: "POST /pay%2F..%2Fadmin%2Fstate", path: "/pay%2F..%2Fadmin%2Fstate", method: "POST", headers: bearer(valid), expected: 403 },
    ];

    const cells: AuthCell[] = [];
    const adminReached: string[] = [];
    for (const c of cases) {
      const r = await m.call("user-service-1", "payment-service", c.path, { method: c.method, headers: c.headers });
      cells.push({ caller: "user-service", callee: "payment-service", request: c.request, expected: c.expected, actual: r.status });
      // Whatever the status, a trick must never reach the app with another path than /pay.
      if (reachedOtherThanPay(r.body)) adminReached.push(c.request);
    }
    // The same token binding holds for its own client: batch-service's token works for batch-service.
    const own = await m.call("batch-service-1", "payment-service", "/pay", { method: "POST", headers: bearer(batchToken) });
    cells.push({ caller: "batch-service", callee: "payment-service", request: "POST /pay, its own token", expected: 200, actual: own.status });
    const stolen = await m.call("batch-service-1", "payment-service", "/pay", { method: "POST", headers: bearer(valid) });
    cells.push({ caller: "batch-service", callee: "payment-service", request: "POST /pay, user-service's token (azp)", expected: 403, actual: stolen.status });

    // Through the ingress, end users' tokens: the gateway is no service, so no azp is checked
    // there, but the audience and the scope are.
    const ingressCases: { request: string; host: string; path: string; method?: string; headers?: Record<string, string>; expected: number }[] = [
      { request: "POST /pay, alice's token (payments:write)", host: "pay.local", path: "/pay", method: "POST", headers: bearer(alice), expected: 200 },
      { request: "POST /pay, no token", host: "pay.local", path: "/pay", method: "POST", expected: 403 },
      { request: "POST /pay, bob's token (no payments:write)", host: "pay.local", path: "/pay", method: "POST", headers: bearer(bob), expected: 403 },
      {
        request: "POST /pay, report-service's token (scope, another audience)",
        host: "pay.local",
        path: "/pay",
        method: "POST",
        headers: bearer(reportToken),
        expected: 403,
      },
      {
        request: "POST /pay, alice's token, signature forged to add bob",
        host: "pay.local",
        path: "/pay",
        method: "POST",
        headers: bearer(tamperedToken(alice, (c) => ({ ...c, preferred_username: "bob" }))),
        expected: 403,
      },
      { request: "GET /pay, alice's token (method not allowed)", host: "pay.local", path: "/pay", headers: bearer(alice), expected: 403 },
      {
        request: "POST /admin/state, alice's token (path not allowed)",
        host: "pay.local",
        path: "/admin/state",
        method: "POST",
        headers: bearer(alice),
        expected: 403,
      },
      {
        request: "POST /pay/../admin/state, alice's token",
        host: "pay.local",
        path: "/pay/../admin/state",
        method: "POST",
        headers: bearer(alice),
        expected: 403,
      },
      { request: "GET / on shop.local (user-service, no token needed)", host: "shop.local", path: "/", expected: 200 },
    ];
    for (const c of ingressCases) {
      const r = await m.ingress("web").request({ host: c.host, path: c.path, method: c.method ?? "GET", headers: c.headers ?? {} });
      cells.push({ caller: "ingress web", callee: c.host, request: c.request, expected: c.expected, actual: r.status });
      if (c.host === "pay.local" && reachedOtherThanPay(r.body)) adminReached.push(`ingress: ${c.request}`);
    }

    // A caller with no intention at all, over the ingress's own identity: user-service is the only caller payment-service allows.
    const direct = await m.httpFrom("user-service-1", "http://payment-service-1:21000/pay", { method: "POST", timeoutMs: 3000 });
    cells.push({
      caller: "user-service (no mTLS)",
      callee: "payment-service-1:21000",
      request: "POST /pay, plaintext to the sidecar",
      expected: 0,
      actual: direct.status ?? 0,
    });

    const wrong = mismatches(cells);
    if (wrong.length || adminReached.length)
      throw new Error(
        `auth matrix differs from the plan (${wrong.length} cells; a path other than /pay reached the app: ${adminReached.join(", ") || "none"}):\n${formatAuthMatrix(cells)}`,
      );
    console.info(formatAuthMatrix(cells));
  });
});
