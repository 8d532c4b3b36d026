import { existsSync, writeFileSync } from "node:fs";
import { capture } from "../shell";
import { CLUSTER_NETWORK as N } from "./network";

/**
 * Creates the pod bridge before any pod does (the CNI bridge plugin takes an existing bridge
 * with its gateway address as it is) so `route_localnet` can be set on it: pods' calls to the
 * `kubernetes` Service are sent to the API server on 127.0.0.1, which the kernel allows only
 * on interfaces with route_localnet on. Only this bridge gets it; the host's setting stays.
 */
export async function ensureBridge(): Promise<void> {
  if (!existsSync(`/sys/class/net/${N.bridge}`)) await ip(["link", "add", N.bridge, "type", "bridge"]);
  const addrs = await capture("ip", ["-4", "-o", "addr", "show", "dev", N.bridge]);
  if (!addrs.stdout.includes(`${N.bridgeAddress}/`)) await ip(["addr", "add", `${N.bridgeAddress}/${N.nodePodCidr.split("/")[1]}`, "dev", N.bridge]);
  await ip(["link", "set", N.bridge, "up"]);
  writeFileSync(`/proc/sys/net/ipv4/conf/${N.bridge}/route_localnet`, "1");
}

/** Deletes the bridge and any veth still attached to it; returns the interfaces removed. */
export async function removeBridge(): Promise<string[]> {
  if (!existsSync(`/sys/class/net/${N.bridge}`)) return [];
  const ports = (await capture("ip", ["-o", "link", "show", "master", N.bridge])).stdout;
  const veths = [...ports.matchAll(/^\d+: ([^@:\s]+)/gm)].map((m) => m[1]!);
  for (const v of veths) await capture("ip", ["link", "delete", v]);
  await capture("ip", ["link", "delete", N.bridge]);
  return [...veths, N.bridge];
}

/** Whether the bridge exists. */
export function bridgeExists(): boolean {
  return existsSync(`/sys/class/net/${N.bridge}`);
}

async function ip(args: string[]): Promise<void> {
  const r = await capture("ip", args);
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
}
