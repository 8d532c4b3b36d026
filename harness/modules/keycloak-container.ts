import { AbstractStartedContainer, Wait, type StartedTestContainer } from "testcontainers";
import { SingleNetworkContainer } from "./single-network-container";
import { IMAGE_TAGS } from "../../toolchain/images/components";

const HTTP_PORT = 8080;
const MANAGEMENT_PORT = 9000;

/**
 * Keycloak started the vendor's fast way (`start --optimized`, built at image time) with
 * realms imported from `data/import`. The hostname is a full URL so tokens carry the same
 * `iss` whether fetched inside the mesh network or from the test process.
 */
export class KeycloakContainer extends SingleNetworkContainer {
  private readonly realms: object[] = [];
  private hostnameUrl = "http://keycloak:8080";

  constructor(image: string = IMAGE_TAGS.keycloak) {
    super(image);
    this.withNetworkAliases("keycloak")
      .withExposedPorts(HTTP_PORT, MANAGEMENT_PORT)
      .withWaitStrategy(Wait.forHttp("/health/ready", MANAGEMENT_PORT).forStatusCode(200))
      .withStartupTimeout(180_000);
  }

  /** A realm representation (Keycloak's realm import JSON). */
  withRealm(realm: { realm: string }): this {
    this.realms.push(realm);
    return this;
  }

  /** The URL every token's issuer is built from (default `http://keycloak:8080`). */
  withHostnameUrl(url: string): this {
    this.hostnameUrl = url;
    return this;
  }

  override async start(): Promise<StartedKeycloakContainer> {
    this.withEnvironment({
      KC_HOSTNAME: this.hostnameUrl,
      KC_HTTP_ENABLED: "true",
      KC_BOOTSTRAP_ADMIN_USERNAME: "admin",
      KC_BOOTSTRAP_ADMIN_PASSWORD: "admin",
    }).withCopyContentToContainer(
      this.realms.map((r) => ({ content: JSON.stringify(r), target: `/opt/keycloak/data/import/${(r as { realm: string }).realm}.json` })),
    );
    return new StartedKeycloakContainer(await super.start(), this.hostnameUrl);
  }
}

/** A token response from Keycloak's token endpoint. */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  scope?: string;
  token_type: string;
}

/** A running Keycloak. */
export class StartedKeycloakContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer, readonly hostnameUrl: string) {
    super(started);
  }

  /** Base URL as seen from the test process. */
  url(): string {
    return `http://${this.getHost()}:${this.getMappedPort(HTTP_PORT)}`;
  }

  /** The issuer tokens of `realm` carry, the same inside and outside the network. */
  issuer(realm: string): string {
    return `${this.hostnameUrl}/realms/${realm}`;
  }

  /** Mints a token with the client-credentials grant, from the test process. */
  async clientCredentialsToken(realm: string, clientId: string, clientSecret: string, scope?: string): Promise<TokenResponse> {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
    if (scope) form.set("scope", scope);
    const res = await fetch(`${this.url()}/realms/${realm}/protocol/openid-connect/token`, { method: "POST", body: form });
    if (!res.ok) throw new Error(`Keycloak token for ${clientId}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as TokenResponse;
  }
}
