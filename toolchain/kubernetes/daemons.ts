import { join } from "node:path";
import { apiServerArgs, controllerManagerArgs, etcdArgs, schedulerArgs } from "./control-plane-args";
import type { ClusterLayout } from "./layout";
import { kubeletArgs, kubeProxyArgs } from "./node-config";
import type { DaemonName, DaemonSpec } from "./processes";

/**
 * The command line of each of the cluster's processes. containerd gets the bin folder first
 * on PATH: it finds its shim (`containerd-shim-runc-v2`) there, never the older one of the
 * containerd Docker runs. Pure.
 */
export function daemonSpec(name: DaemonName, l: ClusterLayout, bin: string, path: string = process.env.PATH ?? ""): DaemonSpec {
  const binary = join(bin, name);
  switch (name) {
    case "etcd":
      return { name, binary, args: etcdArgs(l) };
    case "kube-apiserver":
      return { name, binary, args: apiServerArgs(l) };
    case "kube-controller-manager":
      return { name, binary, args: controllerManagerArgs(l) };
    case "kube-scheduler":
      return { name, binary, args: schedulerArgs(l) };
    case "containerd":
      return { name, binary, args: ["--config", join(l.config, "containerd.toml")], env: { PATH: `${bin}:${path}` } };
    case "kubelet":
      return { name, binary, args: kubeletArgs(l), env: { PATH: `${bin}:${path}` } };
    case "kube-proxy":
      return { name, binary, args: kubeProxyArgs(l) };
    default: {
      const never: never = name;
      throw new Error(`unknown cluster process ${String(never)}`);
    }
  }
}
