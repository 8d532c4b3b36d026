import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecretValues, makeCertificate } from "../../sdk/secrets/generate";
import type { PlanSecret } from "../../sdk/plan";

const SPECS: PlanSecret[] = [
  { name: "keycloak/admin", purpose: "Keycloak admin password", generate: { kind: "password" } },
  { name: "consul/management-token", purpose: "Consul management token", generate: { kind: "uuid" } },
  { name: "consul/gossip-key", purpose: "gossip encryption", generate: { kind: "gossip-key" } },
  // Listed before its CA on purpose: order in the plan does not matter.
  {
    name: "consul/server-tls",
    purpose: "Consul server RPC and HTTPS",
    generate: { kind: "tls-cert", ca: "consul/ca", commonName: "server.dc1.consul", dnsNames: ["server.dc1.consul", "consul"], ipAddresses: ["127.0.0.1"] },
  },
  { name: "consul/ca", purpose: "Consul's CA", generate: { kind: "tls-ca", commonName: "meshwright Consul CA" } },
  { name: "user/secret", purpose: "the user's own API key", generate: { kind: "supplied" } },
];

describe("generateSecretValues", () => {
  const values = generateSecretValues(SPECS);

  it("makes one value per generated secret, two (cert, key) per TLS secret, none for supplied ones", () => {
    expect(Object.keys(values).sort()).toEqual([
      "consul/ca#cert",
      "consul/ca#key",
      "consul/gossip-key",
      "consul/management-token",
      "consul/server-tls#cert",
      "consul/server-tls#key",
      "keycloak/admin",
    ]);
  });

  it("formats: password is 32 hex, uuid is a v4 UUID, gossip key is 32 bytes in base64 (what consul keygen prints)", () => {
    expect(values["keycloak/admin"]).toMatch(/^[0-9a-f]{32}$/);
    expect(values["consul/management-token"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Buffer.from(values["consul/gossip-key"]!, "base64")).toHaveLength(32);
    expect(Buffer.from(values["consul/gossip-key"]!, "base64").toString("base64")).toBe(values["consul/gossip-key"]);
    expect(values["consul/ca#key"]).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
  });

  it("is random: two calls share no value", () => {
    const again = generateSecretValues(SPECS);
    for (const key of Object.keys(values)) expect(again[key]).not.toBe(values[key]);
  });

  it("keeps every value it is given and generates only the missing ones", () => {
    const { "keycloak/admin": _dropped, ...rest } = values;
    const next = generateSecretValues(SPECS, rest);
    expect(next).toEqual({ ...rest, "keycloak/admin": expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(next["keycloak/admin"]).not.toBe(values["keycloak/admin"]);
  });

  it("makes the certificate again when its CA is new, so it is always signed by the CA it is shipped with", () => {
    const { "consul/ca#cert": _c, "consul/ca#key": _k, ...withoutCa } = values;
    const next = generateSecretValues(SPECS, withoutCa);
    expect(next["consul/server-tls#cert"]).not.toBe(values["consul/server-tls#cert"]);
    expect(new X509Certificate(next["consul/server-tls#cert"]!).verify(new X509Certificate(next["consul/ca#cert"]!).publicKey)).toBe(true);
  });

  it("drops names that are not declared any more", () => {
    expect(generateSecretValues(SPECS.slice(0, 1), { ...values, gone: "x" })).toEqual({ "keycloak/admin": values["keycloak/admin"] });
  });

  it("refuses a certificate whose ca is not a tls-ca secret, naming both", () => {
    const bad: PlanSecret = { name: "x", purpose: "", generate: { kind: "tls-cert", ca: "keycloak/admin", commonName: "x", dnsNames: [], ipAddresses: [] } };
    expect(() => generateSecretValues([SPECS[0]!, bad])).toThrow(
      'secret x: its ca "keycloak/admin" is a password secret, expected a tls-ca secret of the plan',
    );
    expect(() => generateSecretValues([{ ...bad, generate: { ...bad.generate, ca: "nope" } as PlanSecret["generate"] }])).toThrow(
      'its ca "nope" is not declared',
    );
  });
});

describe("generated TLS material", () => {
  const values = generateSecretValues(SPECS);
  const ca = new X509Certificate(values["consul/ca#cert"]!);
  const cert = new X509Certificate(values["consul/server-tls#cert"]!);

  it("the CA is self-signed, a CA, EC P-256", () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe("CN=meshwright Consul CA");
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
  });

  it("the certificate is signed by the CA, not a CA itself, with the plan's CN and SANs", () => {
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe("CN=server.dc1.consul");
    expect(cert.subjectAltName).toBe("DNS:server.dc1.consul, DNS:consul, IP Address:127.0.0.1");
    expect(cert.checkHost("consul")).toBe("consul");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkPrivateKey(createPrivateKey(values["consul/server-tls#key"]!))).toBe(true);
  });

  it("openssl verify accepts the chain for both server and client auth, strictly", () => {
    const dir = mkdtempSync(join(tmpdir(), "mw-tls-"));
    try {
      writeFileSync(join(dir, "ca.pem"), values["consul/ca#cert"]!);
      writeFileSync(join(dir, "cert.pem"), values["consul/server-tls#cert"]!);
      for (const purpose of ["sslserver", "sslclient"])
        expect(execFileSync("openssl", ["verify", "-x509_strict", "-purpose", purpose, "-CAfile", join(dir, "ca.pem"), join(dir, "cert.pem")]).toString()).toBe(
          `${join(dir, "cert.pem")}: OK\n`,
        );
      const text = execFileSync("openssl", ["x509", "-in", join(dir, "ca.pem"), "-noout", "-text"]).toString();
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      expect(execFileSync("openssl", ["x509", "-in", join(dir, "cert.pem"), "-noout", "-ext", "extendedKeyUsage"]).toString()).toContain(
        "TLS Web Server Authentication, TLS Web Client Authentication",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("makeCertificate", () => {
  it("certifies a URI name (a SPIFFE id), signed by the given CA", () => {
    const ca = makeCertificate({ commonName: "test CA", ca: true });
    const leaf = makeCertificate({ commonName: "", uris: ["spiffe://td.consul/ns/default/dc/dc1/svc/web"], issuer: ca });
    const cert = new X509Certificate(leaf.cert);
    expect(cert.subjectAltName).toBe("URI:spiffe://td.consul/ns/default/dc/dc1/svc/web");
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
  });
});
