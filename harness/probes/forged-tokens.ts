import { createHmac, createPublicKey, generateKeyPairSync, sign } from "node:crypto";

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");
const encode = (o: object) => b64url(JSON.stringify(o));

/** The parts of a compact JWS. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [h, p, s] = token.split(".");
  const part = (b64: string | undefined) => JSON.parse(Buffer.from(b64 ?? "", "base64url").toString()) as Record<string, unknown>;
  return { header: part(h), payload: part(p), signature: s ?? "" };
}

/** The same claims, `alg: none`, no signature. */
export function unsignedToken(valid: string): string {
  const { payload } = decodeJwt(valid);
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

/** The original signature over changed claims (a forged grant). */
export function tamperedToken(valid: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const { header, payload, signature } = decodeJwt(valid);
  return `${encode(header)}.${encode(change(payload))}.${signature}`;
}

/** HS256 "signed" with the issuer's RSA public key as the HMAC secret (key-confusion attack). */
export function hs256WithPublicKey(valid: string, publicJwk: Record<string, unknown>): string {
  const { header, payload } = decodeJwt(valid);
  const pem = createPublicKey({ key: publicJwk, format: "jwk" }).export({ type: "spki", format: "pem" });
  const input = `${encode({ ...header, alg: "HS256" })}.${encode(payload)}`;
  return `${input}.${b64url(createHmac("sha256", pem).update(input).digest())}`;
}

/** The same claims, properly RS256-signed, but by a key the issuer never published. */
export function signedByStranger(valid: string, kid = "meshwright-stranger"): string {
  const { payload } = decodeJwt(valid);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const input = `${encode({ alg: "RS256", typ: "JWT", kid })}.${encode(payload)}`;
  return `${input}.${b64url(sign("sha256", Buffer.from(input), privateKey))}`;
}
