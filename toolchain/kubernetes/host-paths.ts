import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N } from "./network";

/**
 * Folders outside the state folder that the kubelet and containerd write to whatever they are
 * told: the kubelet's device-plugin socket folder (`/var/lib/kubelet/device-plugins`, fixed in
 * its code), its links to pod logs (`/var/log/containers`, fixed too), and libcni's cache of
 * results (`/var/lib/cni`, which containerd does not let one move).
 */
export const HOST_PATHS = ["/var/lib/kubelet", "/var/log/containers", "/var/lib/cni"] as const;

function recordFile(l: ClusterLayout): string {
  return join(l.root, "host-paths.json");
}

/** Notes which of {@link HOST_PATHS} do not exist yet (before the kubelet and containerd start), so `down` removes exactly those. */
export function recordHostPaths(l: ClusterLayout): void {
  if (existsSync(recordFile(l))) return;
  writeFileSync(recordFile(l), `${JSON.stringify(HOST_PATHS.filter((p) => !existsSync(p)))}\n`);
}

/**
 * Removes what the cluster left outside its state folder: each host path `up` found missing
 * and so created, whole; in the ones that were there before, only the cluster's own entries
 * (log links into its pod-log folder, libcni results of its network). Without a record (the
 * state folder already gone), only the cluster's own entries and the folders they leave empty.
 */
export function removeHostPaths(l: ClusterLayout): string[] {
  const created = existsSync(recordFile(l)) ? (JSON.parse(readFileSync(recordFile(l), "utf8")) as string[]) : [];
  const removed: string[] = [];
  for (const path of created.filter((p) => (HOST_PATHS as readonly string[]).includes(p) && existsSync(p))) {
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  const sweep = (dir: string, mine: (name: string, path: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!mine(name, path)) continue;
      rmSync(path, { force: true, recursive: true });
      removed.push(path);
    }
  };
  sweep("/var/log/containers", (_, path) => linksInto(path, l.podLogs));
  sweep("/var/lib/cni/results", (name) => name.startsWith(`${N.cniNetwork}-`));
  for (const dir of ["/var/lib/cni/results", "/var/lib/cni", "/var/lib/kubelet/device-plugins", "/var/lib/kubelet"])
    if (!created.length && existsSync(dir) && emptyOrStale(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  return removed;
}

function linksInto(path: string, dir: string): boolean {
  try {
    return readlinkSync(path).startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

/** Empty, or holding only what a stopped kubelet leaves in its device-plugin folder. */
function emptyOrStale(dir: string): boolean {
  const stale = new Set(["kubelet.sock", "kubelet_internal_checkpoint", "device-plugins"]);
  try {
    return readdirSync(dir).every((e) => stale.has(e) && (e !== "device-plugins" || emptyOrStale(join(dir, e))));
  } catch {
    return false;
  }
}
