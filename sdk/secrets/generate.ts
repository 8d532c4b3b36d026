import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import type { PlanSecret, SecretGenerator } from "../plan";

/** How long generated certificates are valid. Nothing rotates them; a stack keeps its values. */
export const TLS_VALIDITY_DAYS = { ca: 3650, cert: 1825 } as const;

/**
 * Values for every secret of `specs` that has a generator, keyed `NAME` (or `NAME#cert` and
 * `NAME#key` for TLS secrets). Values in `existing` are kept; the rest are made with
 * `node:crypto`: `password` 32 hex characters, `uuid` a v4 UUID, `gossip-key` 32 random bytes in
 * base64, `tls-ca` a self-signed EC P-256 CA, `tls-cert` an EC P-256 certificate for server and
 * client auth signed by its `ca`. A kept certificate stays only while its CA is kept too; a
 * certificate whose CA is new is made again. `supplied` secrets are skipped (the caller is given
 * them), and names that are not in `specs` are dropped.
 *
 * Both realizers use it: MeshStack once per stack (values live in Pulumi state), the harness
 * once per run.
 *
 * @throws Error naming the secret, when a `tls-cert`'s `ca` is not a `tls-ca` of `specs`.
 */
export function generateSecretValues(specs: readonly PlanSecret[], existing: Readonly<Record<string, string>> = {}): Record<string, string> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: Record<string, string> = {};
  const regenerated = new Set<string>();
  // CAs first: a certificate is signed by its CA's final key.
  const ordered = [...specs].sort((a, b) => rank(a.generate) - rank(b.generate));
  for (const spec of ordered) {
    const g = spec.generate;
    switch (g.kind) {
      case "supplied":
        break;
      case "password":
      case "uuid":
      case "gossip-key":
        values[spec.name] = existing[spec.name] ?? simpleValue(g.kind);
        break;
      case "tls-ca":
      case "tls-cert": {
        const issuer = g.kind === "tls-cert" ? caOf(spec.name, g.ca, byName) : undefined;
        const cert = existing[`${spec.name}#cert`];
        const key = existing[`${spec.name}#key`];
        const keep = cert !== undefined && key !== undefined && !(g.kind === "tls-cert" && regenerated.has(g.ca));
        const made = keep
          ? { cert, key }
          : g.kind === "tls-ca"
            ? makeCertificate({ commonName: g.commonName, ca: true })
            : makeCertificate({
                commonName: g.commonName,
                dnsNames: g.dnsNames,
                ipAddresses: g.ipAddresses,
                issuer: { cert: values[`${issuer}#cert`]!, key: values[`${issuer}#key`]! },
              });
        if (!keep) regenerated.add(spec.name);
        values[`${spec.name}#cert`] = made.cert;
        values[`${spec.name}#key`] = made.key;
        break;
      }
      default:
        return assertNever(g);
    }
  }
  return values;
}

function rank(g: SecretGenerator): number {
  return g.kind === "tls-ca" ? 0 : g.kind === "tls-cert" ? 2 : 1;
}

function simpleValue(kind: "password" | "uuid" | "gossip-key"): string {
  if (kind === "password") return randomBytes(16).toString("hex");
  if (kind === "uuid") return randomUUID();
  return randomBytes(32).toString("base64");
}

function caOf(name: string, ca: string, byName: ReadonlyMap<string, PlanSecret>): string {
  const spec = byName.get(ca);
  if (spec?.generate.kind !== "tls-ca")
    throw new Error(`secret ${name}: its ca "${ca}" is ${spec ? `a ${spec.generate.kind} secret` : "not declared"}, expected a tls-ca secret of the plan`);
  return ca;
}

/** What to certify; with `issuer` the certificate is signed by it, else it is a self-signed CA. */
export interface CertificateRequest {
  readonly commonName: string;
  readonly ca?: boolean;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** URI subject alternative names, e.g. a SPIFFE id. */
  readonly uris?: readonly string[];
  readonly issuer?: { readonly cert: string; readonly key: string };
}

/** ecdsa-with-SHA256 (RFC 5758): the AlgorithmIdentifier has no parameters. */
const ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";

/**
 * An X.509 v3 certificate and its EC P-256 key (PEM; the key PKCS#8). The ASN.1 structures and
 * their DER encoding come from `@peculiar/asn1-x509`; keys and the ECDSA signature (DER, as
 * X.509 wants it) from `node:crypto`, synchronously. Without `issuer` it is a self-signed CA
 * (when `ca`); with one, a certificate for server and client auth. Plans get theirs through
 * {@link generateSecretValues}; the security e2e makes a mesh identity (a SPIFFE URI) with it.
 */
export function makeCertificate(req: CertificateRequest): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = AsnConvert.parse(publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo);
  const keyId = keyIdentifier(spki);
  const subject = nameOf(req.commonName);
  const issuer = req.issuer ? AsnConvert.parse(pemBody(req.issuer.cert), Certificate).tbsCertificate : undefined;
  const signer: KeyObject = req.issuer ? createPrivateKey(req.issuer.key) : privateKey;
  const now = Date.now();
  const days = req.issuer ? TLS_VALIDITY_DAYS.cert : TLS_VALIDITY_DAYS.ca;
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: req.ca === true })),
    extension(
      id_ce_keyUsage,
      true,
      new KeyUsage(
        req.ca
          ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
          : KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
      ),
    ),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)),
  ];
  if (issuer) {
    const issuerKeyId = issuer.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
    if (issuerKeyId)
      extensions.push(
        extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: AsnConvert.parse(issuerKeyId.extnValue, KeyIdentifier) })),
      );
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])));
    const names = [
      ...(req.dnsNames ?? []).map((d) => new GeneralName({ dNSName: d })),
      ...(req.ipAddresses ?? []).map((ip) => new GeneralName({ iPAddress: ip })),
      ...(req.uris ?? []).map((u) => new GeneralName({ uniformResourceIdentifier: u })),
    ];
    if (names.length) extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(names)));
  }
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    issuer: issuer ? issuer.subject : subject,
    // An hour back: a container whose clock is a little behind still accepts it.
    validity: new Validity({ notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * 86_400_000) }),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbs)), signer);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    signatureValue: toArrayBuffer(signature),
  });
  return {
    cert: pem("CERTIFICATE", Buffer.from(AsnConvert.serialize(cert))),
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function nameOf(commonName: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) })])]);
}

/** RFC 5280 4.2.1.2 (1): SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: SubjectPublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest());
}

/** 16 random bytes, positive and without a leading zero byte (a minimal DER INTEGER). */
function serialNumber(): ArrayBuffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return toArrayBuffer(bytes);
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function pemBody(text: string): Buffer {
  return Buffer.from(text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

function assertNever(x: never): never {
  throw new Error(`unknown secret generator ${JSON.stringify(x)}`);
}
