/**
 * Points testcontainers at meshwright's own reaper image (a Ryuk-compatible reaper built by
 * `npm run images`), unless the user chose one: Ryuk's image comes from a registry these
 * machines cannot reach. Placeholder until the reaper lands; see toolchain/reaper.
 */
export function useOwnReaper(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
}
