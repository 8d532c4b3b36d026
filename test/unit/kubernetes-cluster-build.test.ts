import { CLUSTER_GO_BUILDS, kubernetesWrapperGoMod, replaceLines } from "../../toolchain/kubernetes/go-modules";
import { CLUSTER_BINARIES } from "../../toolchain/kubernetes/build";
import { CLUSTER_VERSIONS } from "../../toolchain/kubernetes/versions";

// The shape of k8s.io/kubernetes' go.mod (v1.37.2, abridged): staging modules required at
// v0.0.0 and replaced by local folders the module proxy does not ship.
const UPSTREAM = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
	k8s.io/kubelet v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go // the client
	k8s.io/kubelet => ./staging/src/k8s.io/kubelet
)

replace github.com/example/forked => github.com/example/fork v1.2.3
`;

describe("the Kubernetes wrapper module", () => {
  it("points each staging replacement at the published module of the same release and keeps other replacements", () => {
    expect(kubernetesWrapperGoMod(UPSTREAM, "1.37.2", "0.37.2")).toBe(`module meshwright.local/kubernetes

go 1.26.0

require k8s.io/kubernetes v1.37.2

replace (
	k8s.io/api => k8s.io/api v0.37.2
	k8s.io/client-go => k8s.io/client-go v0.37.2
	k8s.io/kubelet => k8s.io/kubelet v0.37.2
	github.com/example/forked => github.com/example/fork v1.2.3
)
`);
  });

  it("reads replace directives in block and single-line form, comments dropped", () => {
    expect(replaceLines(UPSTREAM)).toEqual([
      { from: "k8s.io/api", to: "./staging/src/k8s.io/api" },
      { from: "k8s.io/client-go", to: "./staging/src/k8s.io/client-go" },
      { from: "k8s.io/kubelet", to: "./staging/src/k8s.io/kubelet" },
      { from: "github.com/example/forked", to: "github.com/example/fork v1.2.3" },
    ]);
  });

  it("leaves no local path in the wrapper (the module proxy serves none)", () => {
    expect(kubernetesWrapperGoMod(UPSTREAM)).not.toMatch(/=> \.\.?\//);
  });

  it("stamps the Kubernetes version where kubectl version and /version read it", () => {
    const k8s = CLUSTER_GO_BUILDS.find((b) => b.component === "kubernetes")!;
    expect(k8s.ldflags).toContain(`-X k8s.io/component-base/version.gitVersion=v${CLUSTER_VERSIONS.kubernetes}`);
    expect(k8s.ldflags).toContain("-X k8s.io/client-go/pkg/version.gitMinor=37");
  });
});

describe("what cluster build builds", () => {
  it("every binary the cluster runs, once", () => {
    expect([...CLUSTER_BINARIES].sort()).toEqual(
      [
        "containerd",
        "containerd-shim-runc-v2",
        "coredns",
        "crictl",
        "ctr",
        "etcd",
        "etcdctl",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-proxy",
        "kube-scheduler",
        "kubectl",
        "kubelet",
        "pause",
      ].sort(),
    );
  });

  it.each(CLUSTER_GO_BUILDS.map((b) => [b.component, b] as const))("%s's stamp names its version, so a bump rebuilds it", (component, b) => {
    const version = CLUSTER_VERSIONS[component as keyof typeof CLUSTER_VERSIONS];
    expect(b.stamp).toContain(`v${version}`);
  });

  it.each(CLUSTER_GO_BUILDS.filter((b) => !b.upstream).map((b) => [b.component, b] as const))(
    "%s's wrapper requires its modules at the pinned version",
    (_, b) => {
      const goMod = b.goMod();
      expect(goMod).toMatch(/^module meshwright\.local\//);
      for (const line of goMod.split("\n").filter((l) => /^\t\S+ v/.test(l))) expect(line).toMatch(/ v\d+\.\d+\.\d+$/);
    },
  );
});
