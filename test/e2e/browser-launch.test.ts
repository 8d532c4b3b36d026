import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchMeshBrowser, type MeshBrowser } from "../../harness/browser";

// launchMeshBrowser against two plain Node servers on loopback standing in for a mesh's
// ingress and Keycloak: the real Chromium (Debian's; `npm run setup` installs it) reaches
// them by names that resolve nowhere else, with the names' own ports. No Docker needed; here
// and not in the unit project because a browser is a real component. A missing Chromium
// fails the test naming its setup command: it never skips.

interface Seen {
  readonly url: string;
  readonly host: string | undefined;
  readonly cookie: string | undefined;
}

/** A server that records each request's Host and Cookie headers and answers `routes` (path → response). */
async function server(routes: Record<string, (h: IncomingHttpHeaders) => { status?: number; headers?: Record<string, string | string[]>; body?: string }>) {
  const seen: Seen[] = [];
  const s: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    seen.push({ url: path, host: req.headers.host, cookie: req.headers.cookie });
    const route = routes[path];
    if (!route) return res.writeHead(404).end();
    const r = route(req.headers);
    res.writeHead(r.status ?? 200, { "content-type": "text/html", ...r.headers }).end(r.body ?? "");
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { seen, port: (s.address() as AddressInfo).port, close: () => new Promise((resolve) => s.close(resolve)) };
}

describe("launchMeshBrowser", () => {
  const APP = "http://app.test:8080";
  const IDP = "http://idp.test:8081";
  let app: Awaited<ReturnType<typeof server>>;
  let idp: Awaited<ReturnType<typeof server>>;
  let mb: MeshBrowser;
  const screenshotsDir = mkdtempSync(join(tmpdir(), "meshwright-browser-launch-"));

  beforeAll(async () => {
    // The round trip of a login: the app sends the browser to the identity provider, which sets
    // its cookies and sends it back; the app sends it there again, and the cookies come along.
    app = await server({
      "/": () => ({ body: "<title>app</title><p id=host></p>" }),
      "/callback": () => ({ status: 302, headers: { location: `${IDP}/whoami` } }),
    });
    idp = await server({
      "/login": () => ({
        status: 302,
        headers: {
          "set-cookie": ["session=s1; Path=/; HttpOnly; SameSite=Lax", "restart=r1; Path=/; SameSite=None; Secure"],
          location: `${APP}/callback?code=c1`,
        },
      }),
      "/whoami": (h) => ({ body: `<pre id=cookie>${h.cookie ?? ""}</pre>` }),
    });
    mb = await launchMeshBrowser({
      hosts: [
        { origin: APP, host: "127.0.0.1", port: app.port },
        { origin: IDP, host: "127.0.0.1", port: idp.port },
      ],
      screenshotsDir,
    });
  });

  afterAll(async () => {
    await mb?.close();
    await app?.close();
    await idp?.close();
    rmSync(screenshotsDir, { recursive: true, force: true });
  });

  it("loads a page by the origin's own name and port, as its Host header says", async () => {
    const page = await mb.context.newPage();
    const response = await page.goto(`${APP}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe("app");
    expect(page.url()).toBe(`${APP}/`);
    expect(app.seen.find((r) => r.url === "/")?.host).toBe("app.test:8080");
    await page.close();
  });

  it("makes the http origins secure contexts, with crypto.subtle for PKCE S256", async () => {
    const page = await mb.context.newPage();
    await page.goto(`${APP}/`);
    const context = await page.evaluate(async () => {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("verifier"));
      // In the page: the project's types are Node's (no DOM lib), so the page's global is named by hand.
      return { secure: (globalThis as unknown as { isSecureContext: boolean }).isSecureContext, digestBytes: digest.byteLength };
    });
    expect(context).toEqual({ secure: true, digestBytes: 32 });
    await page.close();
  });

  it("keeps the identity provider's cookies (Lax, and None; Secure over http) across a redirect round trip", async () => {
    const page = await mb.context.newPage();
    await page.goto(`${APP}/`);
    await page.goto(`${IDP}/login`);
    expect(page.url()).toBe(`${IDP}/whoami`);
    expect(await page.textContent("#cookie")).toBe("session=s1; restart=r1");
    expect(app.seen.find((r) => r.url === "/callback")).toEqual({ url: "/callback", host: "app.test:8080", cookie: undefined });
    expect(idp.seen.filter((r) => r.url === "/login" || r.url === "/whoami").map((r) => [r.url, r.host])).toEqual([
      ["/login", "idp.test:8081"],
      ["/whoami", "idp.test:8081"],
    ]);
    expect(await mb.screenshot(page, "round trip")).toBe(join(screenshotsDir, "round_trip.png"));
    expect(existsSync(join(screenshotsDir, "round_trip.png"))).toBe(true);
    await page.close();
  });

  it("maps only the listed host and port: another port of the same name resolves nowhere", async () => {
    const page = await mb.context.newPage();
    await expect(page.goto("http://app.test:9999/")).rejects.toThrow(/ERR_NAME_NOT_RESOLVED/);
    await page.close();
  });
});
