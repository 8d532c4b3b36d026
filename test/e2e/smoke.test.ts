/**
 * Smoke test of the foundation: every real component, built offline into local images,
 * runs here and does its part. user-service calls payment-service through two Envoy
 * sidecars with mTLS from Consul's CA; the payment app is unreachable except through its
 * sidecar; Keycloak imports a realm and issues tokens with one issuer inside and outside
 * the network; Prometheus scrapes a sidecar found through Consul.
 */
import { Network, type StartedNetwork } from "testcontainers";
import { IMAGE_TAGS } from "../../toolchain/images/components";
import { ConsulServerContainer, type StartedConsulServerContainer } from "../../harness/modules/consul-server-container";
import { requireImages } from "../../harness/modules/images";
import { KeycloakContainer, type StartedKeycloakContainer } from "../../harness/modules/keycloak-container";
import { MeshInstance, type StartedMeshInstance } from "../../harness/modules/mesh-instance";
import { PrometheusContainer, type StartedPrometheusContainer } from "../../harness/modules/prometheus-container";
import { eventually } from "../../harness/probes/eventually";
import { startAll } from "../../harness/modules/start-all";

const REALM = "smoke";
const CLIENT = { id: "user-service", secret: "smoke-secret-user-service" };

const realm = {
  realm: REALM,
  enabled: true,
  clientScopes: [{ name: "payments:write", protocol: "openid-connect", attributes: { "include.in.token.scope": "true" } }],
  clients: [
    {
      clientId: CLIENT.id,
      secret: CLIENT.secret,
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      protocol: "openid-connect",
      defaultClientScopes: ["payments:write"],
    },
  ],
};

/**
 * Enough configuration to make Consul 1.16 send Envoy every kind of xDS the mesh relies on:
 * L7 routes with retries, a hashing load balancer, RBAC with path rules, and JWT checks
 * against Keycloak's JWKS. What Envoy 1.36 makes of it is in toolchain/images/README.md.
 */
const configEntries = [
  { Kind: "proxy-defaults", Name: "global", Config: { protocol: "http" } },
  { Kind: "service-resolver", Name: "payment-service", LoadBalancer: { Policy: "ring_hash", HashPolicies: [{ SourceIP: true }] } },
  {
    Kind: "service-router",
    Name: "payment-service",
    Routes: [{ Match: { HTTP: { PathPrefix: "/pay" } }, Destination: { NumRetries: 2, RetryOnStatusCodes: [503], RequestTimeout: "5s" } }],
  },
  {
    Kind: "jwt-provider",
    Name: "keycloak",
    Issuer: `http://keycloak:8080/realms/${REALM}`,
    // STRICT_DNS: Consul would otherwise make a static cluster of the host name, which Envoy rejects.
    JSONWebKeySet: { Remote: { URI: `http://keycloak:8080/realms/${REALM}/protocol/openid-connect/certs`, FetchAsynchronously: true, JWKSCluster: { DiscoveryType: "STRICT_DNS", ConnectTimeout: "5s" } } },
  },
  {
    Kind: "service-intentions",
    Name: "payment-service",
    Sources: [
      {
        Name: "user-service",
        Permissions: [
          {
            Action: "allow",
            HTTP: { PathPrefix: "/pay", Methods: ["GET", "POST"] },
            JWT: { Providers: [{ Name: "keycloak", VerifyClaims: [{ Path: ["scope"], Value: "payments:write" }] }] },
          },
        ],
      },
    ],
  },
];

const prometheusConfig = {
  global: { scrape_interval: "2s" },
  scrape_configs: [
    {
      job_name: "envoy-sidecars",
      consul_sd_configs: [{ server: "consul:8500", refresh_interval: "2s" }],
      relabel_configs: [
        { source_labels: ["__meta_consul_service"], regex: ".+-sidecar-proxy", action: "keep" },
        { source_labels: ["__meta_consul_address"], target_label: "__address__", replacement: "$1:20200" },
        { source_labels: ["__meta_consul_service_id"], target_label: "instance" },
      ],
    },
  ],
};

/** Decodes a JWT's payload (no verification: the test compares claims, Envoy verifies). */
function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("foundation smoke test on real containers", () => {
  let network: StartedNetwork;
  let consul: StartedConsulServerContainer;
  let keycloak: StartedKeycloakContainer;
  let prometheus: StartedPrometheusContainer;
  let payment: StartedMeshInstance;
  let user: StartedMeshInstance;
  let keycloakStarting: Promise<StartedKeycloakContainer> | undefined;

  beforeAll(async () => {
    await requireImages(Object.values(IMAGE_TAGS));
    network = await new Network().start();
    // Keycloak is the slowest to start: it starts alongside the rest of the mesh.
    keycloakStarting = new KeycloakContainer().withRealm(realm).withNetwork(network).start();
    consul = await new ConsulServerContainer().withConfigEntries(configEntries).withNetwork(network).start();
    [payment, user, prometheus] = await startAll(
      new MeshInstance("payment-service", "payment-service-1").start(network),
      new MeshInstance("user-service", "user-service-1").withUpstreams({ "payment-service": 9191 }).start(network),
      new PrometheusContainer().withConfig(prometheusConfig).withNetwork(network).start(),
    );
    keycloak = await keycloakStarting;
  }, 240_000);

  afterAll(async () => {
    // A failed beforeAll may leave Keycloak still starting: wait for it so it is removed too.
    const kc = keycloak ?? (await keycloakStarting?.catch(() => undefined));
    await Promise.all([user?.stop(), payment?.stop(), prometheus?.stop(), kc?.stop()].map((p) => p?.catch(() => undefined)));
    await consul?.stop().catch(() => undefined);
    await network?.stop().catch(() => undefined);
  });

  it("registers both instances with Consul and marks them healthy", async () => {
    const healthy = await eventually(
      async () => {
        const entries = await consul.api<{ Service: { ID: string } }[]>("/v1/health/service/payment-service?passing=true");
        if (entries.length !== 1) throw new Error(`${entries.length} passing payment-service instances`);
        return entries;
      },
      { what: "payment-service-1 passing its health check" },
    );
    expect(healthy.map((e) => e.Service.ID)).toEqual(["payment-service-1"]);
  });

  it("carries user-service's call to payment-service through both sidecars over mTLS", async () => {
    const { access_token: token } = await keycloak.clientCredentialsToken(REALM, CLIENT.id, CLIENT.secret);
    const res = await eventually(
      async () => {
        const r = await user.call("payment-service", "/pay", { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) throw new Error(`call returned ${r.status}: ${r.body}`);
        return JSON.parse(r.body) as { response: { service: string; instance: string; headers: Record<string, unknown> } };
      },
      { what: "user-service → payment-service through the sidecars" },
    );
    expect(res.response.service).toBe("payment-service");
    expect(res.response.instance).toBe("payment-service-1");
    // Envoy adds the caller's SPIFFE identity from its client certificate: proof the hop was mTLS.
    expect(String(res.response.headers["x-forwarded-client-cert"])).toMatch(/URI=spiffe:\/\/[^;]+\.consul\/ns\/default\/dc\/dc1\/svc\/user-service/);
  });

  it("refuses a direct call to the payment app's port from another container", async () => {
    const direct = await user.app.get("http://payment-service-1:8080/pay", { timeoutMs: 3000 });
    expect(direct.exitCode).toBe(7); // connection refused: the app listens on loopback only
    const plaintext = await user.app.get("http://payment-service-1:21000/pay", { timeoutMs: 3000 });
    expect(plaintext.status).toBeUndefined(); // the sidecar speaks only mTLS: no HTTP answer
  });

  it("enforces the L7 intention: the right path with a valid token from Keycloak, nothing else", async () => {
    const { access_token: token } = await keycloak.clientCredentialsToken(REALM, CLIENT.id, CLIENT.secret);
    const bearer = { authorization: `Bearer ${token}` };
    const withToken = await eventually(
      async () => {
        const r = await user.call("payment-service", "/pay", { headers: bearer });
        if (r.status !== 200) throw new Error(`with a valid token: ${r.status} ${r.body}`);
        return r;
      },
      { what: "Envoy to fetch Keycloak's JWKS and accept its token" },
    );
    expect(withToken.status).toBe(200);
    expect((await user.call("payment-service", "/pay")).status).toBe(403);
    expect((await user.call("payment-service", "/pay", { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } })).status).toBe(403);
    expect((await user.call("payment-service", "/admin/state", { headers: bearer })).status).toBe(403);
    expect((await user.call("payment-service", "/pay", { headers: bearer, method: "DELETE" })).status).toBe(403);
  });

  it("denies a caller without an intention (default deny)", async () => {
    const r = await payment.app.get("http://user-service-1:21000/", { timeoutMs: 3000 });
    expect(r.status).toBeUndefined();
    const unknownUpstream = await payment.call("user-service", "/");
    expect(unknownUpstream.status).toBe(404); // payment-service declares no such upstream
  });

  it("issues client_credentials tokens whose issuer is the same inside the network and from the host", async () => {
    const outside = await keycloak.clientCredentialsToken(REALM, CLIENT.id, CLIENT.secret);
    const form = `grant_type=client_credentials&client_id=${CLIENT.id}&client_secret=${CLIENT.secret}`;
    const inside = await user.app.get(`http://keycloak:8080/realms/${REALM}/protocol/openid-connect/token`, {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(inside.status).toBe(200);
    const insideToken = JSON.parse(inside.body) as { access_token: string };
    expect(claims(outside.access_token).iss).toBe(keycloak.issuer(REALM));
    expect(claims(insideToken.access_token).iss).toBe(claims(outside.access_token).iss);
    expect(claims(outside.access_token).scope).toContain("payments:write");
  });

  it("has Prometheus scrape every sidecar it finds through Consul", async () => {
    const targets = await eventually(
      async () => {
        const t = await prometheus.targets();
        if (t.length !== 2 || t.some((x) => x.health !== "up")) throw new Error(JSON.stringify(t.map((x) => [x.labels.instance, x.health, x.lastError])));
        return t;
      },
      { what: "both sidecars scraped and up" },
    );
    expect(targets.map((t) => t.labels.instance).sort()).toEqual(["payment-service-1-sidecar-proxy", "user-service-1-sidecar-proxy"]);
    const series = await eventually(
      async () => {
        const r = await prometheus.query('envoy_server_live{instance="payment-service-1-sidecar-proxy"}');
        if (r.length === 0) throw new Error("no envoy_server_live series yet");
        return r;
      },
      { what: "an Envoy metric in Prometheus" },
    );
    expect(series[0]!.value[1]).toBe("1");
  });

  it("took every piece of configuration Consul 1.16 sent to Envoy", async () => {
    expect(await payment.sidecar.rejectedConfig()).toEqual([]);
    expect(await user.sidecar.rejectedConfig()).toEqual([]);
    // Not a failure, but the list to watch when moving Envoy forward.
    const deprecated = new Set([...(await payment.sidecar.deprecatedFields()), ...(await user.sidecar.deprecatedFields())]);
    if (deprecated.size) console.info(`Envoy warns of deprecated fields Consul 1.16 sends:\n  ${[...deprecated].sort().join("\n  ")}`);
  });
});
