import { MissingPeerError } from "./errors";

/** The peer dependencies each entry point needs, with the ranges meshwright supports (package.json's peerDependencies). */
export const PEERS = {
  "meshwright/infra": { "@pulumi/pulumi": "^3.259.0", "@pulumi/docker": "^5.2.0" },
  "meshwright/infra/kubernetes": { "@pulumi/pulumi": "^3.259.0", "@pulumi/kubernetes": "~4.25.0" },
  "meshwright/harness": { testcontainers: "^12.0.4" },
  "meshwright/harness/matchers": { jest: "^30.0.0" },
  // Chromium's DevTools protocol moves with the browser: playwright-core 1.64 drives Chromium 156, Debian's today.
  "meshwright/harness/browser": { "playwright-core": "^1.64.0" },
} as const satisfies Record<string, Record<string, string>>;

/**
 * Fails with a {@link MissingPeerError} naming the first missing peer of `entry` and its install
 * command. Entry points call this before importing a peer, so a user sees "meshwright/harness
 * needs the package testcontainers … fix: npm install --save-dev testcontainers@…" rather than
 * Node's "Cannot find module" from deep inside meshwright.
 */
export function requirePeers(entry: keyof typeof PEERS, resolve: (id: string) => string = require.resolve): void {
  for (const [peer, range] of Object.entries(PEERS[entry])) {
    try {
      resolve(`${peer}/package.json`);
    } catch (error) {
      throw new MissingPeerError(peer, entry, range, error);
    }
  }
}

/** Whether every peer of `entry` is installed (no error: for deciding what else is needed, e.g. the browser setup installs). */
export function peersInstalled(entry: keyof typeof PEERS, resolve: (id: string) => string = require.resolve): boolean {
  try {
    requirePeers(entry, resolve);
    return true;
  } catch {
    return false;
  }
}
