import { createHash } from "node:crypto";

/**
 * A reproducible secret for `purpose` in mesh `mesh`: the first 32 hex characters of
 * SHA-256(mesh, salt, purpose). Golden tests stay stable; a non-empty `secretSalt` makes the
 * values unguessable for shared environments. Hashing is pure, so compile stays pure.
 */
export function deriveSecret(mesh: string, salt: string, purpose: string): string {
  return createHash("sha256").update(`meshwright\0${mesh}\0${salt}\0${purpose}`).digest("hex").slice(0, 32);
}
