import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { CHROMIUM_VARIABLE, chromiumPath, chromiumPresent, chromiumSource } from "../../toolchain/chromium";
import { MeshwrightError, MissingPrerequisiteError } from "../../toolchain/errors";
import { command } from "../../toolchain/invocation";
import { requirePeers } from "../../toolchain/peers";

/**
 * One origin the pages use, and where the test process reaches it. The page keeps the
 * origin's own host and port in its URLs (and so in Host headers, cookies, redirects and the
 * tokens' issuer); only the connection goes to `host:port`.
 */
export interface MappedOrigin {
  /** The origin as the mesh names it, scheme, host and port: `http://keycloak:8080`. */
  readonly origin: string;
  /** The host the test process dials: the run's `publish.dialHost`. */
  readonly host: string;
  /** The port published for that origin's container port on `host`. */
  readonly port: number;
}

/** What {@link launchMeshBrowser} launches. */
export interface MeshBrowserOptions {
  /** The origins the pages use, each mapped to its published address; no other name resolves differently. */
  readonly hosts: readonly MappedOrigin[];
  /** Where {@link MeshBrowser.screenshot} writes; created when missing. Default: a new folder under the system's temporary folder. */
  readonly screenshotsDir?: string;
  /** Run headless (the default), or with a window for debugging on a desktop. */
  readonly headless?: boolean;
  /** More Chromium switches, after meshwright's. */
  readonly args?: readonly string[];
  /** Options of the browser context the pages open in (viewport, locale, …). */
  readonly context?: BrowserContextOptions;
  /** The environment Chromium runs with, and the one `MESHWRIGHT_CHROMIUM` is read from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A Chromium whose pages reach a mesh's origins by their own names. Close it when done. */
export interface MeshBrowser {
  /** The browser (Playwright's). */
  readonly browser: Browser;
  /** A fresh context (own cookies and storage) for the test's pages. */
  readonly context: BrowserContext;
  /** The Chromium binary that runs. */
  readonly executablePath: string;
  /** The switches meshwright added (see {@link meshBrowserArgs}). */
  readonly args: readonly string[];
  /** Where {@link MeshBrowser.screenshot} writes. */
  readonly screenshotsDir: string;
  /** Saves a full-page screenshot of `page` as `<screenshotsDir>/<name>.png` and returns that path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes the context and the browser. */
  close(): Promise<void>;
}

/**
 * The Chromium switches that let a page use `hosts`' origins unchanged:
 * - `--host-resolver-rules=MAP <host>:<port> <dialHost>:<published>, …`: Chromium resolves the
 *   origin's host and port to the published address, and nothing else (another port of the same
 *   name still fails to resolve). The URL, and so the Host header, cookies and redirects, keep
 *   the origin's name: a token's issuer stays `http://keycloak:8080/realms/<realm>`.
 * - `--unsafely-treat-insecure-origin-as-secure=<the http origins>`: they become secure
 *   contexts, so `crypto.subtle` exists (keycloak-js's PKCE S256 needs it) and cookies marked
 *   `Secure` (as `SameSite=None` ones must be) are kept over plain http.
 * - `--no-proxy-server`: a proxy from the environment (`http_proxy`) would get the requests
 *   and resolve the names itself, bypassing the rules.
 */
export function meshBrowserArgs(hosts: readonly MappedOrigin[]): string[] {
  if (!hosts.length)
    throw new MeshwrightError("launchMeshBrowser needs at least one origin to map", { fix: 'pass hosts: [{ origin: "http://keycloak:8080", host, port }]' });
  const seen = new Set<string>();
  const rules: string[] = [];
  const insecure: string[] = [];
  for (const h of hosts) {
    const url = parseOrigin(h.origin);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    const key = `${url.hostname}:${port}`;
    if (seen.has(key)) throw new MeshwrightError(`launchMeshBrowser maps ${key} twice`, { fix: "list each origin once" });
    seen.add(key);
    if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535)
      throw new MeshwrightError(`launchMeshBrowser: published port ${h.port} for ${h.origin} is not a port`, {
        fix: "pass the port the container's port is published on",
      });
    if (!h.host || /[\s,]/.test(h.host))
      throw new MeshwrightError(`launchMeshBrowser: "${h.host}" for ${h.origin} is not a host`, { fix: "pass the run's publish.dialHost" });
    const target = h.host.includes(":") && !h.host.startsWith("[") ? `[${h.host}]` : h.host;
    rules.push(`MAP ${key} ${target}:${h.port}`);
    if (url.protocol === "http:") insecure.push(url.origin);
  }
  return [
    `--host-resolver-rules=${rules.join(",")}`,
    ...(insecure.length ? [`--unsafely-treat-insecure-origin-as-secure=${insecure.join(",")}`] : []),
    "--no-proxy-server",
  ];
}

function parseOrigin(origin: string): URL {
  let url: URL;
  try {
    url = new URL(origin);
  } catch (error) {
    throw new MeshwrightError(`launchMeshBrowser: ${origin} is not an origin`, { fix: "pass scheme, host and port, e.g. http://keycloak:8080", cause: error });
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search || url.hash || url.username || url.password)
    throw new MeshwrightError(`launchMeshBrowser: ${origin} is not an http(s) origin`, { fix: "pass scheme, host and port only, e.g. http://keycloak:8080" });
  return url;
}

/**
 * Launches Chromium headless with pages that reach a mesh by the names its containers use
 * on the Docker network, e.g. a single-page app at `http://shop.test:8080/` (the ingress)
 * logging a user in on Keycloak's own login page at `http://keycloak:8080/realms/…`:
 *
 * ```ts
 * const { dialHost } = run.publish; // the RunContext's PublishAddress
 * const mb = await launchMeshBrowser({
 *   hosts: [
 *     { origin: "http://shop.test:8080", host: dialHost, port: ingressPort },
 *     { origin: "http://keycloak:8080", host: dialHost, port: keycloakPort },
 *   ],
 * });
 * const page = await mb.context.newPage();
 * await page.goto("http://shop.test:8080/");
 * ```
 *
 * Each origin is mapped to its published address by Chromium's host resolver, and http
 * origins count as secure contexts; {@link meshBrowserArgs} lists the switches and why. The
 * browser is Debian's Chromium (`/usr/bin/chromium`, or `$MESHWRIGHT_CHROMIUM`), driven by
 * playwright-core, an optional peer of meshwright. Cookies work per origin over http, across
 * top-level navigations between origins (a login's redirects); a cross-site iframe gets no
 * cookies (Chromium blocks third-party cookies), so keycloak-js should run with
 * `checkLoginIframe: false`.
 *
 * @throws `MissingPrerequisiteError` when Chromium is not there, naming the command that
 * installs it (`meshwright setup`); `MissingPeerError` when playwright-core is not installed.
 */
export async function launchMeshBrowser(options: MeshBrowserOptions): Promise<MeshBrowser> {
  const env = options.env ?? process.env;
  const args = meshBrowserArgs(options.hosts);
  const executablePath = chromiumPath(env);
  if (!chromiumPresent(executablePath))
    throw new MissingPrerequisiteError(`launchMeshBrowser needs Chromium, and there is none at ${chromiumSource(env)}`, {
      fix: env[CHROMIUM_VARIABLE] ? `point ${CHROMIUM_VARIABLE} at a Chromium or Chrome binary, or unset it and run ${command("setup")}` : command("setup"),
    });
  requirePeers("meshwright/harness/browser");
  // Loaded here, not at the top: playwright-core is an optional peer, needed only by those who launch a browser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, headless: options.headless ?? true, args: [...args, ...(options.args ?? [])], env });
  } catch (error) {
    throw new MeshwrightError(`Chromium at ${executablePath} did not start: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`, {
      fix: `run ${executablePath} --headless --no-sandbox --dump-dom about:blank to see why`,
      cause: error,
    });
  }
  const screenshotsDir = options.screenshotsDir ?? mkdtempSync(join(tmpdir(), "meshwright-screenshots-"));
  mkdirSync(screenshotsDir, { recursive: true });
  try {
    const context = await browser.newContext(options.context);
    return {
      browser,
      context,
      executablePath,
      args,
      screenshotsDir,
      async screenshot(page, name) {
        const path = join(screenshotsDir, `${name.replace(/[^\w.-]+/g, "_")}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
      async close() {
        await context.close().catch(() => undefined);
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
