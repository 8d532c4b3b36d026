import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** How the host mounts cgroups, read from `/proc/self/mountinfo`. */
export interface CgroupMounts {
  /** 2 when `/sys/fs/cgroup` is the unified hierarchy, 1 when it holds v1 hierarchies (a hybrid host is v1 to the kubelet), 0 when neither. */
  readonly version: 0 | 1 | 2;
  /** Mount point of each v1 controller (`memory` → `/sys/fs/cgroup/memory`), or of the unified hierarchy under `unified` on v2. */
  readonly mounts: ReadonlyMap<string, string>;
  /**
   * Every cgroup hierarchy's mount point, named ones (`name=systemd`) and a hybrid host's
   * `/sys/fs/cgroup/unified` included: runc creates a pod's cgroup in each of them.
   */
  readonly hierarchies: readonly string[];
}

/** Controllers the kubelet and runc need on a v1 host. */
export const REQUIRED_V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer"] as const;

/** Super options of a v1 cgroup mount that are not controller names (`name=…` and other `key=value` ones are skipped too). */
const NOT_CONTROLLERS = new Set(["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "none"]);

/** Parses mountinfo's cgroup entries. Pure. */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const mounts = new Map<string, string>();
  const hierarchies: string[] = [];
  let version: 0 | 1 | 2 = 0;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountPoint = left.split(" ")[4];
    const [fsType, , superOptions = ""] = right.split(" ");
    if (!mountPoint) continue;
    if ((fsType === "cgroup" || fsType === "cgroup2") && !hierarchies.includes(mountPoint)) hierarchies.push(mountPoint);
    if (fsType === "cgroup2" && mountPoint === "/sys/fs/cgroup") {
      version = 2;
      mounts.set("unified", mountPoint);
    } else if (fsType === "cgroup") {
      if (version === 0) version = 1;
      for (const opt of superOptions.split(",")) if (!NOT_CONTROLLERS.has(opt) && !opt.includes("=")) mounts.set(opt, mountPoint);
    }
  }
  return { version, mounts, hierarchies };
}

/** What stops the kubelet from running on these cgroups, in one line, or undefined. Pure. */
export function cgroupProblem(c: CgroupMounts): string | undefined {
  if (c.version === 0) return "no cgroup file system is mounted at /sys/fs/cgroup (a missing kernel feature: the kubelet and runc need cgroups)";
  if (c.version === 1) {
    const missing = REQUIRED_V1_CONTROLLERS.filter((k) => !c.mounts.has(k));
    if (missing.length) return `the kernel's cgroup v1 controllers ${missing.join(", ")} are not mounted (a missing kernel feature: the kubelet needs them)`;
  }
  return undefined;
}

/** This host's cgroup mounts. */
export function hostCgroups(): CgroupMounts {
  return parseCgroupMounts(readFileSync("/proc/self/mountinfo", "utf8"));
}

/**
 * The folders of the cgroup tree the kubelet and runc create (`kubepods`, with the cgroupfs
 * driver and the root cgroup as its parent), in every hierarchy: one per v1 controller, the
 * named and unified ones of a hybrid host, or the one v2 hierarchy.
 */
export function kubepodsCgroups(c: CgroupMounts = hostCgroups()): string[] {
  return c.hierarchies.map((r) => join(r, "kubepods")).filter((d) => existsSync(d));
}

/** Process ids in a cgroup folder and every folder below it. */
export function cgroupProcs(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string) => {
    try {
      for (const p of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (p.trim()) pids.push(Number(p));
      for (const e of readdirSync(d)) if (statSync(join(d, e)).isDirectory()) walk(join(d, e));
    } catch {
      // gone while we walked it
    }
  };
  walk(dir);
  return [...new Set(pids)];
}

/** Removes a cgroup folder and its children, deepest first (cgroup folders go with rmdir, not rm -r); returns what it could not remove. */
export function removeCgroupTree(dir: string): string[] {
  const left: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d).filter((e) => statSync(join(d, e)).isDirectory());
    } catch {
      return;
    }
    for (const e of entries) walk(join(d, e));
    try {
      rmdirSync(d);
    } catch {
      if (existsSync(d)) left.push(d);
    }
  };
  walk(dir);
  return left;
}
