import { existsSync, readFileSync } from "node:fs";
import { command } from "../invocation";
import { cgroupProblem, hostCgroups } from "./cgroups";
import { ClusterStartError } from "./errors";
import { socketPathProblem, type ClusterLayout } from "./layout";
import { portConflictFix, portConflictReason, takenPorts } from "./ports";

/** What the host must offer, as the kernel shows it: read from /proc and /sys. */
export interface HostFacts {
  readonly root: boolean;
  /** `/proc/filesystems` lists overlay. */
  readonly overlay: boolean;
  /** `/proc/sys/net/bridge` exists (the br_netfilter module is loaded). */
  readonly brNetfilter: boolean;
  /** `net.ipv4.ip_forward` is 1. */
  readonly ipForward: boolean;
}

/** This host's facts. */
export function hostFacts(): HostFacts {
  const read = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return "";
    }
  };
  return {
    root: process.getuid?.() === 0,
    overlay: /\boverlay\b/.test(read("/proc/filesystems")),
    brNetfilter: existsSync("/proc/sys/net/bridge/bridge-nf-call-iptables"),
    ipForward: read("/proc/sys/net/ipv4/ip_forward").trim() === "1",
  };
}

/** The first thing about the host that stops a cluster, as a cause and a fix, or undefined. Pure. */
export function hostProblem(f: HostFacts): { reason: string; fix: string } | undefined {
  if (!f.root) return { reason: "the cluster needs root: it runs containerd, the kubelet and iptables", fix: `run it as root (sudo ${command("cluster up")})` };
  if (!f.overlay)
    return {
      reason: "the kernel has no overlay file system (a missing kernel feature: containerd's overlayfs snapshotter needs it)",
      fix: "modprobe overlay, or use a kernel built with CONFIG_OVERLAY_FS",
    };
  if (!f.brNetfilter)
    return {
      reason: "bridged pod traffic does not pass iptables: the br_netfilter kernel module is not loaded (Services between pods need it)",
      fix: "modprobe br_netfilter (a running Docker engine loads it too)",
    };
  if (!f.ipForward) return { reason: "IPv4 forwarding is off, so pods cannot reach anything beyond their node", fix: "sysctl -w net.ipv4.ip_forward=1" };
  return undefined;
}

/** Checks the host before anything starts; throws a {@link ClusterStartError} with one cause and its fix. */
export async function preflight(l: ClusterLayout): Promise<{ cgroupVersion: 1 | 2 }> {
  const host = hostProblem(hostFacts());
  if (host) throw new ClusterStartError(host.reason, { fix: host.fix });
  const socket = socketPathProblem(l);
  if (socket) throw new ClusterStartError(socket, { fix: "set MESHWRIGHT_CACHE to a shorter folder" });
  const cgroups = hostCgroups();
  const cg = cgroupProblem(cgroups);
  if (cg) throw new ClusterStartError(cg, { fix: "use a kernel and init that mount cgroups at /sys/fs/cgroup (v2, or v1 with those controllers)" });
  const taken = await takenPorts();
  if (taken.length) throw new ClusterStartError(portConflictReason(taken), { fix: portConflictFix(taken, command("cluster down")) });
  return { cgroupVersion: cgroups.version === 2 ? 2 : 1 };
}
