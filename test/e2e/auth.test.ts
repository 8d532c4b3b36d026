/**
 * Authorization on the reference mesh, as a matrix: for each request (token variants and
 * path tricks) the expected and actual status through the real sidecars. Any cell that
 * differs fails the test and prints the whole table.
 */
import shop from "../../examples/shop";
import { formatAuthMatrix, mismatches, type AuthCell } from "../../harness/probes/auth-matrix";
import { hs256WithPublicKey, signedByStranger, tamperedToken, unsignedToken } from "../../harness/probes/forged-tokens";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { compile } from "../../sdk";

const plan = compile(shop);

describe("auth matrix on the shop mesh", () => {
  let running: StartedMesh | undefined;

  beforeAll(async () => {
    running = await startMesh(plan);
    await waitConverged(running);
  }, 400_000);

  afterAll(async () => {
    await running?.stop();
  });

  it("lets only user-service with a payments:write token POST /pay, and refuses every forgery and trick", async () => {
    const m = running!;
    const valid = await m.tokenFor("user-service");
    const otherClient = await m.tokenFor("payment-service"); // a real token without payments:write
    const jwks = (await (await fetch(`${m.keycloakUrl()}/realms/${plan.keycloak!.realmName}/protocol/openid-connect/certs`)).json()) as { keys: Record<string, unknown>[] };
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
      { request: "POST /pay, HS256 keyed with the public key", path: "/pay", method: "POST", headers: bearer(hs256WithPublicKey(valid, rsaKey)), expected: 403 },
      { request: "POST /pay, signed by an unknown key (kid)", path: "/pay", method: "POST", headers: bearer(signedByStranger(valid)), expected: 403 },
      { request: "POST /pay, garbage token", path: "/pay", method: "POST", headers: bearer("not.a.jwt"), expected: 403 },
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
      // Whatever the status, a trick must never reach the app's admin endpoint.
      const seen = (JSON.parse(r.body || "{}") as { response?: { state?: unknown; endpoints?: unknown } }).response;
      if (seen && typeof seen === "object" && ("errorRate" in seen || "endpoints" in seen)) adminReached.push(c.request);
    }
    // A caller with no intention at all, over the ingress's own identity: user-service is the only caller payment-service allows.
    const direct = await m.httpFrom("user-service-1", "http://payment-service-1:21000/pay", { method: "POST", timeoutMs: 3000 });
    cells.push({ caller: "user-service (no mTLS)", callee: "payment-service-1:21000", request: "POST /pay, plaintext to the sidecar", expected: 0, actual: direct.status ?? 0 });

    const wrong = mismatches(cells);
    if (wrong.length || adminReached.length) throw new Error(`auth matrix differs from the plan (${wrong.length} cells; admin reached by: ${adminReached.join(", ") || "none"}):\n${formatAuthMatrix(cells)}`);
    console.info(formatAuthMatrix(cells));
  });
});
