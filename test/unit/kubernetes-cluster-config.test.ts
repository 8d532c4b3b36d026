import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiServerArgs, controllerManagerArgs, etcdArgs, schedulerArgs } from "../../toolchain/kubernetes/control-plane-args";
import { corednsManifests, corefile } from "../../toolchain/kubernetes/coredns-manifests";
import { daemonSpec } from "../../toolchain/kubernetes/daemons";
import { addCommands, kubeRules, ownChains, RULE_COMMENT, splitRule } from "../../toolchain/kubernetes/firewall";
import { normalizedTag } from "../../toolchain/kubernetes/images";
import { kubeconfig } from "../../toolchain/kubernetes/kubeconfig";
import { clusterLayout, nodeLayout } from "../../toolchain/kubernetes/layout";
import { CLUSTER_NETWORK, workerNode, workerNodes } from "../../toolchain/kubernetes/network";
import { workerDaemonSpecs, workerHostRules, workerNamespaceRule } from "../../toolchain/kubernetes/worker";
import { kubeletArgs, kubeletConfig, kubeProxyConfig } from "../../toolchain/kubernetes/node-config";
import { certificateSpecs, opensslArgs } from "../../toolchain/kubernetes/pki";
import { DAEMONS } from "../../toolchain/kubernetes/processes";
import { cniConflist, containerdConfig, runcWrapper } from "../../toolchain/kubernetes/runtime-config";

const ROOT = "/var/cache/mw/cluster";
const L = clusterLayout(ROOT);

/** The flag's value in an argument list (`--x=v`), or undefined. */
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe("control-plane command lines", () => {
  const api = apiServerArgs(L);

  it("the API server listens on loopback only and writes no endpoints (a loopback endpoint is invalid)", () => {
    expect(flag(api, "bind-address")).toBe("127.0.0.1");
    expect(flag(api, "advertise-address")).toBe("127.0.0.1");
    expect(flag(api, "endpoint-reconciler-type")).toBe("none");
  });

  it("the API server reaches the kubelet by its node name, which its serving certificate names", () => {
    expect(flag(api, "kubelet-preferred-address-types")).toBe("Hostname");
    const kubelet = certificateSpecs().find((c) => c.name === "kubelet-server")!;
    expect(kubelet.sans).toContain(`DNS:${CLUSTER_NETWORK.nodeName}`);
  });

  it("the API server talks to etcd over TLS with a client certificate, and etcd demands one", () => {
    expect(flag(api, "etcd-servers")).toBe("https://127.0.0.1:2379");
    expect(flag(api, "etcd-certfile")).toBe(`${L.pki}/apiserver-etcd-client.crt`);
    expect(flag(etcdArgs(L), "client-cert-auth")).toBe("true");
    expect(flag(etcdArgs(L), "listen-client-urls")).toBe("https://127.0.0.1:2379");
  });

  it("the controller-manager and scheduler bind loopback and run alone (no leader election)", () => {
    for (const args of [controllerManagerArgs(L), schedulerArgs(L)]) {
      expect(flag(args, "bind-address")).toBe("127.0.0.1");
      expect(flag(args, "leader-elect")).toBe("false");
    }
    expect(flag(controllerManagerArgs(L), "cluster-cidr")).toBe(CLUSTER_NETWORK.podCidr);
  });

  it.each(DAEMONS.map((d) => [d]))("%s runs the cluster's own binary and every file it names is in the state folder", (name) => {
    const spec = daemonSpec(name, L, "/opt/mw/bin", "/usr/bin");
    expect(spec.binary).toBe(`/opt/mw/bin/${name}`);
    const paths = spec.args.map((a) => (a.startsWith("--") ? a.slice(a.indexOf("=") + 1) : a)).filter((v) => v.startsWith("/"));
    for (const p of paths) expect(p).toMatch(new RegExp(`^${ROOT}/`));
  });

  it("containerd and the kubelet find the cluster's binaries first on PATH (containerd's shim, not Docker's)", () => {
    expect(daemonSpec("containerd", L, "/opt/mw/bin", "/usr/bin").env).toEqual({ PATH: "/opt/mw/bin:/usr/bin" });
  });
});

describe("node configuration", () => {
  it("on a cgroup v1 host the kubelet is told to run anyway; on v2 the field is not set", () => {
    expect(kubeletConfig(L, 1)).toMatchObject({ failCgroupV1: false, cgroupDriver: "cgroupfs" });
    expect(kubeletConfig(L, 2)).not.toHaveProperty("failCgroupV1");
  });

  it("the kubelet asks for no negative OOM score, never collects images (they cannot be pulled back) and listens on loopback", () => {
    expect(kubeletConfig(L, 1)).toMatchObject({ oomScoreAdj: 0, imageGCHighThresholdPercent: 100, address: "127.0.0.1", readOnlyPort: 0 });
    expect(kubeletConfig(L, 1)).toMatchObject({ clusterDNS: [CLUSTER_NETWORK.dnsServiceIp], containerRuntimeEndpoint: `unix://${L.containerdSocket}` });
  });

  it("the kubelet registers as localhost with its root in the state folder", () => {
    expect(kubeletArgs(L)).toEqual(expect.arrayContaining([`--hostname-override=localhost`, `--root-dir=${L.kubeletRoot}`]));
  });

  it("kube-proxy uses iptables and changes no host-wide setting (conntrack sizes, route_localnet)", () => {
    expect(kubeProxyConfig(L)).toMatchObject({
      mode: "iptables",
      clusterCIDR: CLUSTER_NETWORK.podCidr,
      conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      iptables: { localhostNodePorts: false },
    });
  });
});

describe("runtime configuration", () => {
  const toml = containerdConfig(L, { cniBinDir: "/usr/lib/cni", runtimeBinary: `${L.config}/runc`, sandboxImage: "docker.io/meshwright/pause:1.0.0" });

  it("containerd keeps to its own socket, root and state, and runs containers through the wrapper", () => {
    expect(toml).toContain(`address = "${L.containerdSocket}"`);
    expect(toml).toContain(`root = "${L.containerdRoot}"`);
    expect(toml).toContain(`state = "${L.containerdState}"`);
    expect(toml).toContain(`BinaryName = "${L.config}/runc"`);
    expect(toml).toContain("netns_mounts_under_state_dir = true");
    expect(toml).toContain('sandbox = "docker.io/meshwright/pause:1.0.0"');
  });

  it("the pod network is the node's range on meshwright's bridge, with no masquerade rules of the plugin's own", () => {
    const list = cniConflist(L) as { plugins: Record<string, any>[] };
    expect(list.plugins[0]).toMatchObject({ type: "bridge", bridge: "mw-cni0", ipMasq: false, isGateway: true, hairpinMode: true });
    expect(list.plugins[0]!.ipam).toMatchObject({ dataDir: L.cniIpam, ranges: [[{ subnet: "10.244.0.0/24", gateway: "10.244.0.1" }]] });
  });

  it.each([
    ["172.17.0.0/12", "Docker's default bridge pools"],
    ["192.168.0.0/16", "Docker's other default pools"],
  ])("neither the pod nor the service range overlaps %s (%s)", (docker) => {
    for (const ours of [CLUSTER_NETWORK.podCidr, CLUSTER_NETWORK.serviceCidr]) expect(overlaps(ours, docker)).toBe(false);
    expect(overlaps(CLUSTER_NETWORK.podCidr, CLUSTER_NETWORK.serviceCidr)).toBe(false);
  });

  it("the runc wrapper raises a negative oomScoreAdj to 0 in the bundle and an exec's process file, then runs the real runc with the same arguments", () => {
    const dir = mkdtempSync(join(tmpdir(), "mw-runc-"));
    const real = join(dir, "real-runc");
    writeFileSync(real, `#!/bin/sh\necho "$@" > ${dir}/args\n`);
    chmodSync(real, 0o755);
    const wrapper = join(dir, "runc");
    writeFileSync(wrapper, runcWrapper(real));
    chmodSync(wrapper, 0o755);
    writeFileSync(join(dir, "config.json"), '{"process":{"oomScoreAdj":-998,"args":["/pause"]},"x":{"oomScoreAdj": -5}}');
    writeFileSync(join(dir, "process.json"), '{"oomScoreAdj":-997}');
    execFileSync(wrapper, ["--root", "/r", "create", "--bundle", dir, "--pid-file", "p", "id1"]);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe('{"process":{"oomScoreAdj":0,"args":["/pause"]},"x":{"oomScoreAdj":0}}');
    expect(readFileSync(join(dir, "args"), "utf8").trim()).toBe(`--root /r create --bundle ${dir} --pid-file p id1`);
    execFileSync(wrapper, ["exec", `--process=${dir}/process.json`, "id1"]);
    expect(readFileSync(join(dir, "process.json"), "utf8")).toBe('{"oomScoreAdj":0}');
    writeFileSync(join(dir, "config.json"), '{"process":{"oomScoreAdj":500}}');
    execFileSync(wrapper, ["create", "-b", dir, "id2"]);
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe('{"process":{"oomScoreAdj":500}}');
  });
});

describe("certificates and kubeconfigs", () => {
  const specs = certificateSpecs();

  it("the API server's certificate covers every name pods and the host use for it", () => {
    expect(specs.find((s) => s.name === "apiserver")!.sans).toEqual(
      expect.arrayContaining(["DNS:kubernetes.default.svc.cluster.local", "DNS:localhost", "IP:127.0.0.1", `IP:${CLUSTER_NETWORK.apiServiceIp}`]),
    );
  });

  it.each([
    ["kubelet-client", "system:node:localhost", "system:nodes"],
    ["controller-manager", "system:kube-controller-manager", undefined],
    ["scheduler", "system:kube-scheduler", undefined],
    ["kube-proxy", "system:kube-proxy", undefined],
    ["admin", "meshwright-admin", "system:masters"],
  ])("%s authenticates as %s (group %s), the identity its RBAC bindings expect", (name, cn, o) => {
    const spec = specs.find((s) => s.name === name)!;
    expect([spec.cn, spec.o]).toEqual([cn, o]);
    expect(spec.usages).toEqual(["clientAuth"]);
  });

  it("openssl signs each with the cluster's CA, with the subject, usages and names of its spec", () => {
    const args = opensslArgs(
      specs.find((s) => s.name === "kubelet-client")!,
      "/pki",
    );
    expect(args).toEqual(expect.arrayContaining(["-subj", "/O=system:nodes/CN=system:node:localhost", "-CA", "/pki/ca.crt", "-CAkey", "/pki/ca.key"]));
    expect(args).toContain("extendedKeyUsage=clientAuth");
    expect(args.join(" ")).not.toContain("subjectAltName");
    expect(
      opensslArgs(
        specs.find((s) => s.name === "etcd-server")!,
        "/pki",
      ),
    ).toContain("subjectAltName=DNS:localhost,IP:127.0.0.1");
  });

  it("a kubeconfig embeds the certificates, so it works wherever it is copied", () => {
    const config = JSON.parse(kubeconfig("admin", { caPem: "CA", certPem: "CERT", keyPem: "KEY" }));
    expect(config.clusters[0].cluster).toEqual({ server: "https://127.0.0.1:6443", "certificate-authority-data": Buffer.from("CA").toString("base64") });
    expect(Buffer.from(config.users[0].user["client-key-data"], "base64").toString()).toBe("KEY");
    expect(config["current-context"]).toBe("meshwright");
  });
});

describe("CoreDNS", () => {
  it("its Service is at the address the kubelet gives pods, and its image is never pulled", () => {
    const items = (corednsManifests("meshwright/coredns:1.15.0") as { items: any[] }).items;
    expect(items.find((i) => i.kind === "Service").spec.clusterIP).toBe(CLUSTER_NETWORK.dnsServiceIp);
    const container = items.find((i) => i.kind === "Deployment").spec.template.spec.containers[0];
    expect(container).toMatchObject({ image: "meshwright/coredns:1.15.0", imagePullPolicy: "Never" });
  });

  it("serves the cluster domain and forwards the rest to the node's resolver", () => {
    expect(corefile()).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa");
    expect(corefile()).toContain("forward . /etc/resolv.conf");
  });
});

describe("iptables", () => {
  it("every chain of meshwright's is named MESHWRIGHT-CLUSTER-* and jumped to by a commented first rule", () => {
    const cmds = addCommands();
    for (const c of ownChains()) {
      expect(c.name).toMatch(/^MESHWRIGHT-CLUSTER-/);
      expect(cmds).toContainEqual(["-t", c.table, "-I", c.from, "1", "-m", "comment", "--comment", RULE_COMMENT, "-j", c.name]);
    }
  });

  it("pods may leave and replies may come back through a FORWARD policy of DROP, and new connections from outside are not let in", () => {
    const fwd = ownChains().find((c) => c.table === "filter")!;
    expect(fwd.rules).toEqual([
      ["-i", "mw-cni0", "-j", "ACCEPT"],
      ["-o", "mw-cni0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
    ]);
  });

  it("finds kube-proxy's chains and the jumps to them in an iptables -S dump, and splits quoted comments whole", () => {
    const dump = [
      "-P FORWARD DROP",
      "-N KUBE-FORWARD",
      "-N KUBE-SERVICES",
      "-N DOCKER",
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      "-A FORWARD -j DOCKER",
      "-A KUBE-SERVICES -j KUBE-FORWARD",
    ].join("\n");
    const { jumps, chains } = kubeRules(dump);
    expect(chains).toEqual(["KUBE-FORWARD", "KUBE-SERVICES"]);
    expect(jumps).toEqual(['-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD']);
    expect(splitRule(jumps[0]!.replace(/^-A /, "-D "))).toEqual([
      "-D",
      "FORWARD",
      "-m",
      "comment",
      "--comment",
      "kubernetes forwarding rules",
      "-j",
      "KUBE-FORWARD",
    ]);
  });
});

describe("a worker node", () => {
  const w = workerNode(2);
  const WL = nodeLayout(L, w.label);

  it("is named by its address, so the API server reaches its kubelet by name with no /etc/hosts entry", () => {
    expect(w).toMatchObject({ name: "10.245.2.2", nodeAddress: "10.245.2.2", hostAddress: "10.245.2.1", netns: "mw-node2", podCidr: "10.244.1.0/24" });
    expect(workerNodes(3).map((n) => n.podCidr)).toEqual(["10.244.1.0/24", "10.244.2.0/24"]);
    expect(workerNodes(1)).toEqual([]);
    expect(() => workerNode(1)).toThrow(RangeError);
  });

  it("keeps its kubelet's and containerd's files apart and shares the PKI, kubeconfigs, logs and pid files", () => {
    expect(WL.kubeletRoot).toBe(`${ROOT}/node2/kubelet`);
    expect(WL.containerdSocket).toBe(`${ROOT}/node2/containerd/containerd.sock`);
    expect([WL.pki, WL.kubeconfigs, WL.logs, WL.pids]).toEqual([L.pki, L.kubeconfigs, L.logs, L.pids]);
  });

  it("its kubelet listens on its address, puts pods under its own cgroup and has its own identity", () => {
    expect(kubeletConfig(WL, 1, w)).toMatchObject({ address: "10.245.2.2", cgroupRoot: "/mw-node2", tlsCertFile: `${L.pki}/kubelet-server-node2.crt` });
    expect(kubeletConfig(L, 1)).not.toHaveProperty("cgroupRoot");
    expect(kubeletArgs(WL, w)).toEqual(
      expect.arrayContaining(["--hostname-override=10.245.2.2", "--node-ip=10.245.2.2", `--kubeconfig=${L.kubeconfigs}/kubelet-node2.kubeconfig`]),
    );
    const certs = certificateSpecs([w]);
    expect(certs.find((c) => c.name === "kubelet-client-node2")).toMatchObject({ cn: "system:node:10.245.2.2", o: "system:nodes" });
    expect(certs.find((c) => c.name === "kubelet-server-node2")!.sans).toEqual(["IP:10.245.2.2"]);
    expect(certs.find((c) => c.name === "apiserver")!.sans).toContain("IP:10.245.2.1");
  });

  it("its kube-proxy answers health checks where the host reaches it, and its pods get its range", () => {
    expect(kubeProxyConfig(WL, w)).toMatchObject({ hostnameOverride: "10.245.2.2", healthzBindAddress: "10.245.2.2:10256" });
    const list = cniConflist(WL, w) as { plugins: Record<string, any>[] };
    expect(list.plugins[0]!.ipam.ranges).toEqual([[{ subnet: "10.244.1.0/24", gateway: "10.244.1.1" }]]);
  });

  it("its processes run in its network namespace only, from the cluster's binaries", () => {
    const specs = workerDaemonSpecs(w, WL, "/opt/mw/bin", "/usr/bin");
    expect(specs.map((d) => [d.name, d.binary, d.netns])).toEqual([
      ["containerd-node2", "/opt/mw/bin/containerd", "/run/netns/mw-node2"],
      ["kubelet-node2", "/opt/mw/bin/kubelet", "/run/netns/mw-node2"],
      ["kube-proxy-node2", "/opt/mw/bin/kube-proxy", "/run/netns/mw-node2"],
    ]);
  });

  it("reaches the API server through its gateway, both from its own processes and from its pods' kubernetes Service", () => {
    expect(workerHostRules(w)).toContainEqual({
      table: "nat",
      chain: "MESHWRIGHT-CLUSTER-API",
      rule: ["-i", "mw-node2-host", "-d", "10.245.2.1/32", "-p", "tcp", "--dport", "6443", "-j", "DNAT", "--to-destination", "127.0.0.1:6443"],
    });
    expect(workerNamespaceRule(w)).toEqual([
      "-s",
      "10.244.0.0/16",
      "-d",
      "10.96.0.1/32",
      "-p",
      "tcp",
      "--dport",
      "443",
      "-j",
      "DNAT",
      "--to-destination",
      "10.245.2.1:6443",
    ]);
    for (const r of workerHostRules(w)) expect(r.chain).toMatch(/^MESHWRIGHT-CLUSTER-/);
  });
});

describe("image names", () => {
  it.each([
    ["meshwright/workload:0.5.0", "docker.io/meshwright/workload:0.5.0"],
    ["busybox", "docker.io/library/busybox:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["localhost:5000/app:1", "localhost:5000/app:1"],
    ["registry.example/team/app:2", "registry.example/team/app:2"],
  ])("%s is %s to containerd and the kubelet", (tag, full) => {
    expect(normalizedTag(tag)).toBe(full);
  });
});

/** Whether two IPv4 CIDRs overlap. */
function overlaps(a: string, b: string): boolean {
  const parse = (c: string) => {
    const [ip, bits] = c.split("/");
    const n = ip!.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return [n - (n % size), n - (n % size) + size] as const;
  };
  const [a0, a1] = parse(a);
  const [b0, b1] = parse(b);
  return a0 < b1 && b0 < a1;
}
