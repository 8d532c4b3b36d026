/**
 * End users log in to a single-page app in a real browser: Debian's Chromium, driven by
 * playwright-core, opens the shop's app (keycloak-js, served through the ingress as its own
 * service, built from examples/web-login/app), types a username and password on Keycloak's
 * own login page (authorization code flow with PKCE S256 on the public client the SDK
 * compiled from `identity.webApps`), and calls an API through the ingress with the access
 * token, which the API's sidecar verifies with the mesh's rules (realm role `shopper`).
 *
 * The browser uses the mesh's own names: Chromium resolves `keycloak:8080` and
 * `shop.test:8080` to the published ports (harness/browser), so the login page, the redirects
 * and the tokens' issuer are exactly what a browser inside the mesh network would see.
 * Screenshots of each step land in test-results/browser-login/.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchMeshBrowser, meshOrigins, type MeshBrowser } from "../../harness/browser";
import { startMesh, waitConverged, type StartedMesh } from "../../harness/realize";
import { DEFAULT_IMAGES, Mesh } from "../../sdk";

const ROOT = join(__dirname, "..", "..");
const SHOTS = join(ROOT, "test-results", "browser-login");
const APP_ORIGIN = "http://shop.test:8080";
/** Short, so the test sees keycloak-js refresh it. */
const TOKEN_SECONDS = 10;
/** How long after `exp` Envoy's JWT filter still accepts a token (its default). */
const ENVOY_CLOCK_SKEW_SECONDS = 60;

/** The app's build context: its files plus keycloak-js's browser module from node_modules. */
function appContext(): string {
  const dir = mkdtempSync(join(tmpdir(), "meshwright-web-login-"));
  cpSync(join(ROOT, "examples", "web-login", "app"), dir, { recursive: true });
  cpSync(require.resolve("keycloak-js"), join(dir, "keycloak.js"));
  return dir;
}

const mesh = new Mesh("weblogin", {
  identity: {
    roles: ["shopper"],
    users: [{ username: "alice", roles: ["shopper"] }, { username: "bob" }],
    // The app's one public origin: the ingress also routes www.shop.test to it, which the
    // web app does not declare, so Keycloak refuses to send users back there.
    webApps: [{ clientId: "shop-web", service: "web", origins: [APP_ORIGIN], accessTokenLifetimeSeconds: TOKEN_SECONDS }],
  },
});
const web = mesh.service("web", {
  app: {
    build: { context: appContext(), args: { WORKLOAD_IMAGE: DEFAULT_IMAGES.workload } },
    files: [
      {
        path: "/srv/web/config.json",
        content: JSON.stringify({ url: "http://keycloak:8080", realm: "weblogin", clientId: "shop-web", api: "/api/orders" }),
      },
    ],
  },
});
const orders = mesh.service("orders");
const edge = mesh.ingress("edge", {
  listeners: [
    {
      port: 8080,
      routes: [
        { host: "shop.test", service: web },
        { host: "shop.test", pathPrefix: "/api/", service: orders },
        { host: "www.shop.test", service: web },
      ],
    },
  ],
});
orders.allow(edge, { roles: ["shopper"] });

describe("browser login on the weblogin mesh", () => {
  let running: StartedMesh | undefined;
  let browser: MeshBrowser | undefined;

  beforeAll(async () => {
    running = await startMesh(mesh);
    await waitConverged(running);
    browser = await launchMeshBrowser({ hosts: meshOrigins(running), screenshotsDir: SHOTS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  /** Logs `username` in from a fresh page, on Keycloak's own login form. */
  async function logIn(page: Page, username: string, step: string): Promise<void> {
    await page.goto(`${APP_ORIGIN}/`);
    await page.locator("#status[data-state=signed-out]").waitFor();
    await browser!.screenshot(page, `${step}-1-app-signed-out`);
    await page.click("#login");
    await page.waitForURL(/^http:\/\/keycloak:8080\/realms\/weblogin\/protocol\/openid-connect\/auth\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get("client_id")).toBe("shop-web");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    // Keycloak's login form, or its error page (a redirect URI it refuses, a client it does not know).
    await page.locator("#username, #kc-error-message").first().waitFor();
    const refused = await keycloakError(page);
    if (refused) throw new Error(`Keycloak refused ${username}'s login at ${page.url()}: ${refused}`);
    await page.fill("#username", username);
    await page.fill("#password", running!.secret(`keycloak/user/${username}`));
    await browser!.screenshot(page, `${step}-2-keycloak-login-page`);
    await page.click("#kc-login");
    await page.locator("#status[data-state=signed-in]").waitFor();
    await browser!.screenshot(page, `${step}-3-app-signed-in`);
  }

  /** The message of Keycloak's error page, when the page is one. */
  async function keycloakError(page: Page): Promise<string | undefined> {
    const message = page.locator("#kc-error-message");
    if (!(await message.count())) return undefined;
    return (await message.innerText()).replace(/\s+/g, " ").trim();
  }

  async function callApi(page: Page): Promise<string> {
    await page.click("#call");
    const result = page.locator('#result:not([data-status=""])');
    await result.waitFor();
    return (await result.getAttribute("data-status")) ?? "";
  }

  it("logs a shopper in on Keycloak's page and shows the API's answer (200), with the mesh's issuer", async () => {
    const page = await browser!.context.newPage();
    await logIn(page, "alice", "alice");
    expect(await callApi(page)).toBe("200");
    expect(await page.textContent("#status")).toBe("Signed in as alice");
    expect(await page.textContent("#result")).toContain('"service":"orders"');
    await browser!.screenshot(page, "alice-4-api-200");
    const claims = await page.evaluate<{ iss: string; azp: string; aud: string | string[] }>("window.keycloak.tokenParsed");
    expect(claims.iss).toBe(running!.plan.keycloak!.issuer);
    expect(claims.azp).toBe("shop-web");
    expect([claims.aud].flat()).toContain("orders");
  });

  it("keeps the session working past the access token's lifetime: keycloak-js refreshes it", async () => {
    const page = browser!.context.pages()[0]!;
    const before = await page.evaluate<{ exp: number }>("window.keycloak.tokenParsed");
    const oldToken = await page.evaluate<string>("window.keycloak.token");
    // Wait until the first access token is past its lifetime and Envoy's clock skew allowance
    // (60 s: Consul 1.16 does not pass its jwt-provider's ClockSkewSeconds on, see SECURITY.md).
    await new Promise((r) => setTimeout(r, Math.max(0, (before.exp + ENVOY_CLOCK_SKEW_SECONDS) * 1000 - Date.now()) + 1500));
    // The stale token is refused by the API's sidecar (a token that fails verification matches
    // no intention that allows the gateway: 403) ...
    const stale = await running!.ingress("edge").request({ host: "shop.test:8080", path: "/api/orders", headers: { authorization: `Bearer ${oldToken}` } });
    expect(stale.status).toBe(403);
    // ... and the page still gets 200, with a new token.
    expect(await callApi(page)).toBe("200");
    const after = await page.evaluate<{ exp: number }>("window.keycloak.tokenParsed");
    expect(after.exp).toBeGreaterThan(before.exp);
    await browser!.screenshot(page, "alice-5-after-refresh-200");
  });

  it("ends the session on logout: the page is signed out and Keycloak refuses the old refresh token", async () => {
    const page = browser!.context.pages()[0]!;
    const refreshToken = await page.evaluate<string>("window.keycloak.refreshToken");
    await page.click("#logout");
    await page.waitForURL(`${APP_ORIGIN}/`);
    await page.locator("#status[data-state=signed-out]").waitFor();
    await browser!.screenshot(page, "alice-6-logged-out");
    const kc = running!.plan.keycloak!;
    const res = await fetch(`${running!.keycloak.url()}/realms/${kc.realmName}/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: "shop-web", refresh_token: refreshToken }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid_grant/);
    // Logging in again shows Keycloak's form: no single sign-on session is left.
    await page.click("#login");
    await page.locator("#username").waitFor();
    await page.close();
  });

  it("shows 403 in the page for a user without the role", async () => {
    const page = await browser!.context.newPage();
    await logIn(page, "bob", "bob");
    expect(await callApi(page)).toBe("403");
    await browser!.screenshot(page, "bob-4-api-403");
    await page.close();
  });

  it("refuses a login from an origin the web app does not declare, with Keycloak's own error", async () => {
    const page = await browser!.context.newPage();
    await page.goto("http://www.shop.test:8080/");
    await page.locator("#status[data-state=signed-out]").waitFor();
    await page.click("#login");
    await page.waitForURL(/^http:\/\/keycloak:8080\//);
    await page.locator("#kc-error-message").waitFor();
    const error = await keycloakError(page);
    console.log(`Keycloak's answer to a login from http://www.shop.test:8080: ${error}`);
    await browser!.screenshot(page, "www-keycloak-refuses-redirect");
    expect(error).toMatch(/Invalid parameter: redirect_uri/);
    await page.close();
  });
});
