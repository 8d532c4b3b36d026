/**
 * meshwright/harness/browser: a real Chromium (Debian's, driven by playwright-core) whose
 * pages reach a started mesh by the names its containers have on the Docker network — for
 * end-to-end tests through a browser, e.g. a single-page app logging in on Keycloak's login
 * page. Its own entry point because playwright-core is an optional peer that only browser
 * tests need; `meshwright setup` installs Chromium where playwright-core is installed.
 * @packageDocumentation
 */
export { launchMeshBrowser, meshBrowserArgs, type MappedOrigin, type MeshBrowser, type MeshBrowserOptions } from "./launch";
export { meshOrigins } from "./mesh-origins";
