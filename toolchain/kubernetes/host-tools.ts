import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MeshwrightError } from "../errors";
import { aptUnavailable, installable, type Finding, type Prerequisite } from "../prerequisites";
import { capture } from "../shell";

/** Folders Debian and upstream install CNI plugins into, searched in this order. */
export const CNI_BIN_DIRS = ["/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"] as const;

/** The CNI plugins the cluster's network list uses. */
export const CNI_PLUGINS = ["bridge", "host-local", "portmap", "loopback"] as const;

/** The first folder that holds every plugin the cluster uses, or undefined. */
export function cniBinDir(): string | undefined {
  return CNI_BIN_DIRS.find((dir) => CNI_PLUGINS.every((p) => existsSync(join(dir, p))));
}

const onPath = (cmd: string, args: string[]) => async (): Promise<Finding> => {
  const r = await capture(cmd, args);
  return r.code === 0 ? { ok: true, detail: (r.stdout || r.stderr).trim().split("\n")[0] ?? cmd } : { ok: false, detail: "not installed" };
};

/**
 * Programs the cluster runs that the Go module proxy does not provide: they come from Debian.
 * runc is what containerd's shim starts containers with; conntrack is what kube-proxy clears
 * stale UDP entries with (DNS answers go astray without it).
 */
export const CLUSTER_HOST_TOOLS: readonly Prerequisite[] = [
  { name: "runc", neededFor: "containers (containerd's shim runs it)", check: onPath("runc", ["--version"]), apt: [["runc"]], manual: "install runc" },
  {
    name: "CNI plugins",
    neededFor: "pod networking (bridge, host-local, portmap, loopback)",
    check: async () => {
      const dir = cniBinDir();
      return dir ? { ok: true, detail: dir } : { ok: false, detail: `not in ${CNI_BIN_DIRS.join(", ")}` };
    },
    apt: [["containernetworking-plugins"]],
    manual: "install the CNI reference plugins (bridge, host-local, portmap, loopback) into /opt/cni/bin",
  },
  { name: "conntrack", neededFor: "kube-proxy", check: onPath("conntrack", ["--version"]), apt: [["conntrack"]], manual: "install conntrack-tools" },
  {
    name: "iptables",
    neededFor: "Service routing (kube-proxy) and pod traffic",
    check: onPath("iptables", ["--version"]),
    apt: [["iptables"]],
    manual: "install iptables",
  },
  { name: "openssl", neededFor: "the cluster's certificates", check: onPath("openssl", ["version"]), apt: [["openssl"]], manual: "install openssl" },
  { name: "ip", neededFor: "the CNI bridge", check: onPath("ip", ["-V"]), apt: [["iproute2"]], manual: "install iproute2" },
];

/**
 * Installs the host tools the cluster needs and lacks with apt-get, as `meshwright setup`
 * does for the build tools; prints one line either way. Fails naming each missing tool and
 * its package where apt cannot run (not root, no apt-get).
 */
export async function ensureHostTools(out: (line: string) => void): Promise<void> {
  const missing = await missingHostTools();
  if (!missing.length) return out(`cluster: host tools present (${CLUSTER_HOST_TOOLS.map((t) => t.name).join(", ")})`);
  const cannot = aptUnavailable();
  if (cannot)
    throw new MeshwrightError(`the cluster needs ${missing.map((t) => t.name).join(", ")}, and ${cannot}`, {
      fix: missing.map((t) => `apt-get install -y ${t.apt[0]!.join(" ")} (or: ${t.manual})`).join("; "),
    });
  out(`cluster: installing ${missing.map((t) => t.name).join(", ")} with apt-get …`);
  apt(["update", "-qq"]);
  const packages = missing.flatMap((t) => installable(t) ?? []);
  if (packages.length) apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
  const still = await missingHostTools();
  if (still.length) throw new MeshwrightError(`apt cannot provide ${still.map((t) => t.name).join(", ")} here`, { fix: still.map((t) => t.manual).join("; ") });
  out(`cluster: installed ${packages.join(", ")}`);
}

/** The host tools that are not there. */
export async function missingHostTools(): Promise<Prerequisite[]> {
  const found = await Promise.all(CLUSTER_HOST_TOOLS.map(async (t) => ({ t, ok: (await t.check()).ok })));
  return found.filter((f) => !f.ok).map((f) => f.t);
}

function apt(args: string[]): void {
  const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0)
    throw new MeshwrightError(`apt-get ${args.join(" ")} failed (exit ${r.status ?? "signal"})`, { fix: `run apt-get ${args.join(" ")} by hand to see why` });
}
