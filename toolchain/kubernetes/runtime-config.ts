import type { ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N, type WorkerNode } from "./network";

/** What containerd's configuration points at besides the layout. */
export interface RuntimeInputs {
  /** Folder of the CNI plugins (Debian's: /usr/lib/cni). */
  readonly cniBinDir: string;
  /** The runc wrapper ({@link runcWrapper}) containerd's shim runs instead of runc. */
  readonly runtimeBinary: string;
  /** The pause image every pod's sandbox runs. */
  readonly sandboxImage: string;
}

/**
 * containerd's configuration (version 3, containerd 2.x). Its own socket, root and state
 * below the cluster's state folder, so it never meets the containerd Docker runs; pod network
 * namespaces under its state folder too (`netns_mounts_under_state_dir`), so `cluster down`
 * finds every one of them there. Plugins that would open sockets or folders elsewhere on the
 * host (NRI, tracing) are off, and no drop-in folder (/etc/containerd/conf.d) is imported. Pure.
 */
export function containerdConfig(l: ClusterLayout, r: RuntimeInputs): string {
  const q = (s: string) => JSON.stringify(s);
  return `version = 3
imports = []
root = ${q(l.containerdRoot)}
state = ${q(l.containerdState)}
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = ${q(l.containerdSocket)}

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = ${q(`${l.containerdState}/opt`)}

  [plugins."io.containerd.cri.v1.images"]
    snapshotter = "overlayfs"
    [plugins."io.containerd.cri.v1.images".pinned_images]
      sandbox = ${q(r.sandboxImage)}

  [plugins."io.containerd.cri.v1.runtime"]
    netns_mounts_under_state_dir = true
    enable_cdi = false
    [plugins."io.containerd.cri.v1.runtime".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
          BinaryName = ${q(r.runtimeBinary)}
          Root = ${q(l.runcRoot)}
          SystemdCgroup = false
    [plugins."io.containerd.cri.v1.runtime".cni]
      bin_dirs = [${q(r.cniBinDir)}]
      conf_dir = ${q(l.cniConf)}
      max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri"]
    stream_server_address = "127.0.0.1"
`;
}

/**
 * The pod network: a bridge of meshwright's own name with this node's pod range (host-local
 * keeps its allocations in the state folder), and portmap for `hostPort`. No `ipMasq`: the
 * masquerade rule for traffic leaving the pod range is meshwright's own (firewall.ts), so
 * every rule `cluster down` removes is in chains it named. A worker node's has its own range. Pure.
 */
export function cniConflist(l: ClusterLayout, worker?: WorkerNode): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: N.cniNetwork,
    plugins: [
      {
        type: "bridge",
        bridge: N.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          dataDir: l.cniIpam,
          ranges: [[worker ? { subnet: worker.podCidr, gateway: worker.bridgeAddress } : { subnet: N.nodePodCidr, gateway: N.bridgeAddress }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
}

/**
 * A runc that raises a negative `oomScoreAdj` to 0 in the bundle's config.json (and in an
 * exec's process.json) before running the real runc. The kubelet asks for -998 for pod
 * sandboxes and lower scores for Guaranteed pods, and these VMs refuse any negative value;
 * runc then fails with "can't get final child's PID from pipe: EOF". Pure.
 */
export function runcWrapper(realRunc: string): string {
  return `#!/bin/sh
# meshwright cluster: runc with a negative oomScoreAdj raised to 0 (this host refuses negative values).
clamp() { [ -f "$1" ] && sed -i -E 's/"oomScoreAdj":[[:space:]]*-[0-9]+/"oomScoreAdj":0/g' "$1"; }
prev=""
for arg in "$@"; do
  case "$prev" in
    --bundle|-b) clamp "$arg/config.json" ;;
    --process|-p) clamp "$arg" ;;
  esac
  case "$arg" in
    --bundle=*) clamp "\${arg#--bundle=}/config.json" ;;
    --process=*) clamp "\${arg#--process=}" ;;
  esac
  prev="$arg"
done
exec ${realRunc} "$@"
`;
}
