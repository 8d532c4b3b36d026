import { lookup } from "node:dns/promises";
import { createServer } from "node:net";

/** Where the harness publishes a mesh's ports, and the host it dials them on. */
export interface PublishAddress {
  /** Host IP Docker binds every published port to (never all interfaces). */
  readonly bindIp: string;
  /** Host the test process connects to. */
  readonly dialHost: string;
}

/** The host's loopback address. */
export const LOOPBACK = "127.0.0.1";

/**
 * Chooses where to publish ports, from the Docker host testcontainers resolved
 * (`runtimeHost`, e.g. `localhost`, or the bridge gateway when the tests run in a container),
 * the addresses it resolves to and which of those are this process's own:
 * - an explicit `override` (MESHWRIGHT_PUBLISH_IP) wins;
 * - when the Docker host is this machine's network namespace (a loopback name, or one of its
 *   own addresses, as with a Docker engine started beside the tests), loopback: nothing
 *   outside the machine can reach the mesh's Consul, Keycloak console or sidecars;
 * - otherwise (the Docker engine of another host or of the host of this container) that
 *   host's address, the narrowest one the test process can still reach.
 */
export function choosePublishAddress(runtimeHost: string, resolved: readonly string[], ownAddresses: readonly string[], override?: string): PublishAddress {
  if (override) return { bindIp: override, dialHost: override };
  const local = runtimeHost === "localhost" || [runtimeHost, ...resolved].some((a) => a.startsWith("127.") || a === "::1" || ownAddresses.includes(a));
  if (local) return { bindIp: LOOPBACK, dialHost: LOOPBACK };
  const ip = resolved.find((a) => !a.includes(":")) ?? resolved[0] ?? runtimeHost;
  return { bindIp: ip, dialHost: runtimeHost };
}

/** {@link choosePublishAddress} for this process: resolves the host and tells its own addresses. */
export async function publishAddress(runtimeHost: string, env: NodeJS.ProcessEnv = process.env): Promise<PublishAddress> {
  const resolved = await lookup(runtimeHost, { all: true }).then(
    (r) => r.map((a) => a.address),
    () => [],
  );
  const own = (await Promise.all(resolved.map(async (a) => ((await isOwnAddress(a)) ? [a] : [])))).flat();
  return choosePublishAddress(runtimeHost, resolved, own, env.MESHWRIGHT_PUBLISH_IP || undefined);
}

/**
 * Whether `address` belongs to this network namespace: a listener can bind to it. Not
 * `os.networkInterfaces()`, which leaves out an interface that is down, as Docker's bridge
 * is while no container uses it.
 */
export function isOwnAddress(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
