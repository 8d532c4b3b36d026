import { CLUSTER_VERSIONS as V } from "./versions";

/** One binary of a wrapper module: its file name in `bin/` and its main package. */
export interface GoBinary {
  readonly name: string;
  readonly mainPackage: string;
}

/** A wrapper module that requires upstream modules and builds binaries from them. */
export interface ClusterGoBuild {
  /** Folder name under `<cache>/kubernetes/<version>/build`. */
  readonly component: string;
  /** What the binaries are stamped with; a different value rebuilds them. */
  readonly stamp: string;
  /** The wrapper's `go.mod`, given the upstream `go.mod` named by {@link ClusterGoBuild.upstream} (if any). */
  goMod(upstreamGoMod?: string): string;
  /** `module@version` whose `go.mod` the wrapper's is derived from. */
  readonly upstream?: string;
  readonly binaries: readonly GoBinary[];
  readonly ldflags: string;
}

const K8S = "k8s.io/kubernetes";

/** `-X` flags that stamp Kubernetes' version where `kubectl version` and the API server's `/version` read it. */
function kubernetesLdflags(version: string): string {
  const [major, minor] = version.split(".");
  const vars = { gitVersion: `v${version}`, gitMajor: major!, gitMinor: minor!, gitTreeState: "clean" };
  const pkgs = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"];
  return ["-s -w", ...pkgs.flatMap((p) => Object.entries(vars).map(([k, v]) => `-X ${p}.${k}=${v}`))].join(" ");
}

/**
 * The Kubernetes wrapper's go.mod. `go install k8s.io/kubernetes/cmd/...@v1.x` is refused
 * (its go.mod has replace directives), and its `k8s.io/*` staging modules are required at
 * `v0.0.0` and replaced by `./staging/src/k8s.io/*`, folders the module proxy does not ship.
 * The wrapper requires `k8s.io/kubernetes` and points each local replacement at the published
 * module of the same release (`k8s.io/api v0.37.2` for Kubernetes 1.37.2); replacements of
 * other modules are copied as they are. Every other dependency resolves to the version
 * Kubernetes' own go.mod pins (it lists all of them), so nothing drifts.
 */
export function kubernetesWrapperGoMod(upstreamGoMod: string, kubernetes: string = V.kubernetes, staging: string = V.staging): string {
  const replaces = replaceLines(upstreamGoMod).map(({ from, to }) => {
    const local = /^\.\.?\/.*\/(k8s\.io\/[^/\s]+)$/.exec(to);
    return local ? `\t${from} => ${local[1]} v${staging}` : `\t${from} => ${to}`;
  });
  const go = /^go (\S+)$/m.exec(upstreamGoMod)?.[1] ?? "1.26.0";
  return `module meshwright.local/kubernetes\n\ngo ${go}\n\nrequire ${K8S} v${kubernetes}\n\nreplace (\n${replaces.join("\n")}\n)\n`;
}

/** The `replace` directives of a go.mod (block and single-line forms), left and right sides as written. */
export function replaceLines(goMod: string): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let inBlock = false;
  for (const raw of goMod.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (/^replace\s*\($/.test(line)) inBlock = true;
    else if (inBlock && line === ")") inBlock = false;
    else {
      const body = inBlock ? line : /^replace\s+(.*)$/.exec(line)?.[1];
      const m = body ? /^(.+?)\s*=>\s*(.+)$/.exec(body) : null;
      if (m) out.push({ from: m[1]!.trim(), to: m[2]!.trim() });
    }
  }
  return out;
}

/** A wrapper that only requires modules at fixed versions (no replacements needed). */
function simpleGoMod(name: string, go: string, requires: readonly string[]): string {
  return `module meshwright.local/${name}\n\ngo ${go}\n\nrequire (\n${requires.map((r) => `\t${r}`).join("\n")}\n)\n`;
}

/** Everything `cluster build` builds from the Go module proxy, in build order (the longest first). */
export const CLUSTER_GO_BUILDS: readonly ClusterGoBuild[] = [
  {
    component: "kubernetes",
    stamp: `kubernetes v${V.kubernetes} staging v${V.staging}`,
    upstream: `${K8S}@v${V.kubernetes}`,
    goMod: (upstream) => kubernetesWrapperGoMod(upstream ?? ""),
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"].map((name) => ({
      name,
      mainPackage: `${K8S}/cmd/${name}`,
    })),
    ldflags: kubernetesLdflags(V.kubernetes),
  },
  {
    component: "containerd",
    stamp: `containerd v${V.containerd}`,
    // containerd's go.mod asks for go 1.25; the wrapper asks for no newer Go than its module does.
    goMod: () => simpleGoMod("containerd", "1.25.0", [`github.com/containerd/containerd/v2 v${V.containerd}`]),
    binaries: ["containerd", "ctr", "containerd-shim-runc-v2"].map((name) => ({ name, mainPackage: `github.com/containerd/containerd/v2/cmd/${name}` })),
    ldflags: `-s -w -X github.com/containerd/containerd/v2/version.Version=v${V.containerd}`,
  },
  {
    component: "etcd",
    stamp: `etcd v${V.etcd}`,
    // etcd's modules replace each other with local folders (../api, ../pkg); required from the
    // proxy at one release they resolve to the same code.
    goMod: () => simpleGoMod("etcd", "1.26.0", [`go.etcd.io/etcd/server/v3 v${V.etcd}`, `go.etcd.io/etcd/etcdctl/v3 v${V.etcd}`]),
    binaries: [
      { name: "etcd", mainPackage: "go.etcd.io/etcd/server/v3" },
      { name: "etcdctl", mainPackage: "go.etcd.io/etcd/etcdctl/v3" },
    ],
    ldflags: "-s -w",
  },
  {
    component: "coredns",
    stamp: `coredns v${V.coredns}`,
    goMod: () => simpleGoMod("coredns", "1.26.0", [`github.com/coredns/coredns v${V.coredns}`]),
    binaries: [{ name: "coredns", mainPackage: "github.com/coredns/coredns" }],
    ldflags: "-s -w",
  },
  {
    component: "crictl",
    stamp: `crictl v${V.crictl}`,
    goMod: () => simpleGoMod("crictl", "1.26.6", [`sigs.k8s.io/cri-tools v${V.crictl}`]),
    binaries: [{ name: "crictl", mainPackage: "sigs.k8s.io/cri-tools/cmd/crictl" }],
    ldflags: `-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=v${V.crictl}`,
  },
];
