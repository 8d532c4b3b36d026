// A single-page app that logs its users in with keycloak-js (authorization code flow with
// PKCE S256 on a public client) and calls an API through the mesh's ingress with the access
// token. config.json (written by the mesh declaration) says where Keycloak and the API are.
import Keycloak from "./keycloak.js";

const $ = (id) => document.getElementById(id);
const config = await (await fetch("./config.json", { cache: "no-store" })).json();
const keycloak = new Keycloak({ url: config.url, realm: config.realm, clientId: config.clientId });
// For tests and the curious: the adapter, to read the token's claims.
window.keycloak = keycloak;

function show(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  $("login").hidden = state === "signed-in";
  $("call").hidden = false;
  $("logout").hidden = state !== "signed-in";
}

async function callApi() {
  const result = $("result");
  result.dataset.status = "";
  result.textContent = "…";
  const headers = {};
  if (keycloak.authenticated) {
    // Refreshes the access token when it expires within 5 s (or already has).
    await keycloak.updateToken(5);
    headers.Authorization = `Bearer ${keycloak.token}`;
  }
  const response = await fetch(config.api, { headers, cache: "no-store" });
  const body = await response.text();
  result.textContent = `HTTP ${response.status}\n${body.slice(0, 600)}`;
  result.dataset.status = String(response.status);
}

// The app's entry page: the one redirect URI its client allows (exact match, no wildcard).
const entryPage = new URL(".", location.href).href;
$("login").onclick = () => keycloak.login({ redirectUri: entryPage });
$("logout").onclick = () => keycloak.logout({ redirectUri: entryPage });
$("call").onclick = () =>
  callApi().catch((e) => {
    $("result").textContent = `failed: ${e}`;
    $("result").dataset.status = "error";
  });

try {
  const authenticated = await keycloak.init({ pkceMethod: "S256", checkLoginIframe: false });
  if (authenticated) show("signed-in", `Signed in as ${keycloak.tokenParsed?.preferred_username ?? keycloak.subject}`);
  else show("signed-out", "Signed out");
} catch (e) {
  show("error", `Keycloak init failed: ${e?.error ?? e}`);
}
