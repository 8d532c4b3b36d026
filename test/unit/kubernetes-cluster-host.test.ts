import { downLines } from "../../cli/cluster";
import { cgroupProblem, parseCgroupMounts } from "../../toolchain/kubernetes/cgroups";
import { likelyCause } from "../../toolchain/kubernetes/errors";
import { clusterLayout, socketPathProblem } from "../../toolchain/kubernetes/layout";
import { mountsUnder } from "../../toolchain/kubernetes/mounts";
import { listeners, portConflictFix, portConflictReason } from "../../toolchain/kubernetes/ports";
import { hostProblem, type HostFacts } from "../../toolchain/kubernetes/preflight";

// /proc/self/mountinfo of this project's CI VMs: cgroup v1, one hierarchy per controller, and
// an empty cgroup2 at /sys/fs/cgroup/unified (a "hybrid" host, which the kubelet treats as v1).
const V1_HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;

// A systemd host on cgroup v2 only.
const V2 = `22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

// An older layout: cpu and cpuacct joined in one hierarchy.
const V1_JOINED = `25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
26 24 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory`;

describe("cgroup detection", () => {
  it("a hybrid host is v1 to the kubelet, each controller at its own mount", () => {
    const c = parseCgroupMounts(V1_HYBRID);
    expect(c.version).toBe(1);
    expect(c.mounts.get("memory")).toBe("/sys/fs/cgroup/memory");
    expect(c.mounts.has("name=systemd")).toBe(false);
    expect(c.mounts.has("rw")).toBe(false);
    expect(cgroupProblem(c)).toBeUndefined();
    // runc makes a pod's cgroup in the named and unified hierarchies too: down must find them there.
    expect(c.hierarchies).toHaveLength(10);
    expect(c.hierarchies).toEqual(expect.arrayContaining(["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"]));
  });

  it("a unified /sys/fs/cgroup is v2", () => {
    const c = parseCgroupMounts(V2);
    expect(c.version).toBe(2);
    expect([...c.mounts.values()]).toEqual(["/sys/fs/cgroup"]);
    expect(cgroupProblem(c)).toBeUndefined();
  });

  it("joined controllers share one mount; missing ones are named as a missing kernel feature", () => {
    const c = parseCgroupMounts(V1_JOINED);
    expect(c.mounts.get("cpu")).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(c.mounts.get("cpuacct")).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(cgroupProblem(c)).toBe(
      "the kernel's cgroup v1 controllers cpuset, pids, devices, freezer are not mounted (a missing kernel feature: the kubelet needs them)",
    );
  });

  it("no cgroups at all is a missing kernel feature", () => {
    expect(cgroupProblem(parseCgroupMounts("22 1 0:21 / /sys rw - sysfs sysfs rw"))).toBe(
      "no cgroup file system is mounted at /sys/fs/cgroup (a missing kernel feature: the kubelet and runc need cgroups)",
    );
  });
});

describe("port conflicts", () => {
  const SS = `LISTEN 0      4096   127.0.0.1:6443 0.0.0.0:* users:(("kube-apiserver",pid=4242,fd=7))
LISTEN 0      511    0.0.0.0:2379 0.0.0.0:* users:(("etcd",pid=17,fd=3),("etcd",pid=17,fd=4))
LISTEN 0      4096   [::]:10250 [::]:* users:(("kubelet",pid=99,fd=12))
LISTEN 0      128    *:22 *:*`;

  it("reads who listens where from ss", () => {
    expect([...listeners(SS)]).toEqual([
      [6443, "kube-apiserver (pid 4242)"],
      [2379, "etcd (pid 17)"],
      [10250, "kubelet (pid 99)"],
    ]);
  });

  it("says which ports are taken, whose they should be and who holds them, in one line", () => {
    const taken = [
      { port: 6443, owner: "kube-apiserver", holder: "nginx (pid 812)" },
      { port: 2379, owner: "etcd (clients)" },
    ];
    expect(portConflictReason(taken)).toBe(
      "the cluster cannot start: ports 6443 (kube-apiserver; held by nginx (pid 812)), 2379 (etcd (clients)) are already in use on 127.0.0.1",
    );
    expect(portConflictReason([taken[1]!])).toBe("the cluster cannot start: port 2379 (etcd (clients)) is already in use on 127.0.0.1");
    expect(portConflictFix(taken, "npm run meshwright -- cluster down")).toBe(
      "stop what listens there (ss -ltnp | grep -E ':(6443|2379)\\b' shows it); if it is an earlier cluster of meshwright's, run npm run meshwright -- cluster down",
    );
  });
});

describe("host checks", () => {
  const good: HostFacts = { root: true, overlay: true, brNetfilter: true, ipForward: true };

  it("a host with everything passes", () => {
    expect(hostProblem(good)).toBeUndefined();
  });

  it.each([
    [{ root: false }, "the cluster needs root", "sudo"],
    [{ overlay: false }, "no overlay file system (a missing kernel feature", "modprobe overlay"],
    [{ brNetfilter: false }, "br_netfilter", "modprobe br_netfilter"],
    [{ ipForward: false }, "IPv4 forwarding is off", "sysctl -w net.ipv4.ip_forward=1"],
  ] as const)("%j: the cause and its fix", (facts, reason, fix) => {
    const p = hostProblem({ ...good, ...facts })!;
    expect(p.reason).toContain(reason);
    expect(p.fix).toContain(fix);
  });

  it("a state folder too deep for containerd's sockets is caught before anything starts", () => {
    expect(socketPathProblem(clusterLayout("/root/.cache/meshwright/cluster"))).toBeUndefined();
    expect(socketPathProblem(clusterLayout(`/${"x".repeat(80)}/cluster`))).toMatch(/too deep for a Unix socket \(\d+ > 100 characters\)/);
  });
});

describe("cleanup helpers", () => {
  it("lists mounts below the state folder deepest first, decoding escaped spaces, ignoring look-alike prefixes", () => {
    const info = [
      "100 1 0:50 / /s/cluster/kubelet rw - ext4 /dev/vda rw",
      "101 100 0:51 / /s/cluster/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access rw - tmpfs tmpfs rw",
      "102 1 0:52 / /s/cluster/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw",
      "103 1 0:53 / /s/cluster-other/x rw - tmpfs tmpfs rw",
      "104 1 0:54 / /s/cluster/with\\040space rw - tmpfs tmpfs rw",
      "105 1 0:50 / /s/cluster/kubelet rw - ext4 /dev/vda rw",
    ].join("\n");
    expect(mountsUnder(info, ["/s/cluster"])).toEqual([
      "/s/cluster/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs",
      "/s/cluster/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access",
      "/s/cluster/with space",
      "/s/cluster/kubelet",
    ]);
  });

  it("picks the line of a log that says why a process stopped", () => {
    const klog = [
      'I0101 10:00:00.000000    1 server.go:1] "Starting"',
      'E0101 10:00:01.000000    1 run.go:72] "command failed" err="failed to listen on 127.0.0.1:6443: bind: address already in use"',
      'I0101 10:00:01.100000    1 server.go:2] "Shutting down"',
    ].join("\n");
    expect(likelyCause(klog)).toContain("address already in use");
    expect(likelyCause("starting\nall good\n")).toBe("all good");
    expect(likelyCause("")).toBe("(no output)");
  });

  it("cluster down says what it removed, or that there was nothing", () => {
    const empty = { processes: [], pods: 0, mounts: 0, chains: [], interfaces: [], cgroups: [], files: [], left: [] };
    expect(downLines(empty)).toEqual(["no cluster here; nothing to remove"]);
    expect(downLines({ ...empty, processes: ["etcd (pid 5)"], pods: 2, chains: ["filter/MESHWRIGHT-CLUSTER-FWD"], interfaces: ["mw-cni0"] })).toEqual([
      "stopped etcd (pid 5)",
      "removed 2 pod sandboxes (and their networks)",
      "removed iptables chains filter/MESHWRIGHT-CLUSTER-FWD",
      "removed interfaces mw-cni0",
    ]);
  });
});
