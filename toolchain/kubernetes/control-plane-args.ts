import { join } from "node:path";
import type { ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N } from "./network";

const loopbackEtcd = "https://127.0.0.1:2379";

/** etcd: one member, clients over TLS with client certificates, everything on loopback. Pure. */
export function etcdArgs(l: ClusterLayout): string[] {
  const pki = (f: string) => join(l.pki, f);
  return [
    "--name=meshwright",
    `--data-dir=${l.etcdData}`,
    `--listen-client-urls=${loopbackEtcd}`,
    `--advertise-client-urls=${loopbackEtcd}`,
    // The only member: peers never connect, so the peer URL stays plain on loopback.
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    "--initial-cluster=meshwright=http://127.0.0.1:2380",
    `--cert-file=${pki("etcd-server.crt")}`,
    `--key-file=${pki("etcd-server.key")}`,
    `--trusted-ca-file=${pki("ca.crt")}`,
    "--client-cert-auth=true",
    "--log-level=warn",
  ];
}

/**
 * kube-apiserver on loopback. `--endpoint-reconciler-type=none`: the API server would write
 * its advertise address into the `kubernetes` Service's endpoints, and an endpoint may not
 * be a loopback address, so it would fail at every start; pods reach it through the
 * `kubernetes` ClusterIP by meshwright's own DNAT rule instead (firewall.ts). The kubelet is
 * reached by its node name (`localhost`, `--kubelet-preferred-address-types=Hostname`), which
 * its serving certificate names. Pure.
 */
export function apiServerArgs(l: ClusterLayout): string[] {
  const pki = (f: string) => join(l.pki, f);
  return [
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    "--secure-port=6443",
    "--endpoint-reconciler-type=none",
    `--etcd-servers=${loopbackEtcd}`,
    `--etcd-cafile=${pki("ca.crt")}`,
    `--etcd-certfile=${pki("apiserver-etcd-client.crt")}`,
    `--etcd-keyfile=${pki("apiserver-etcd-client.key")}`,
    `--client-ca-file=${pki("ca.crt")}`,
    `--tls-cert-file=${pki("apiserver.crt")}`,
    `--tls-private-key-file=${pki("apiserver.key")}`,
    `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
    `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
    `--kubelet-certificate-authority=${pki("ca.crt")}`,
    "--kubelet-preferred-address-types=Hostname",
    `--service-account-issuer=https://kubernetes.default.svc.${N.domain}`,
    `--service-account-key-file=${pki("sa.pub")}`,
    `--service-account-signing-key-file=${pki("sa.key")}`,
    `--service-cluster-ip-range=${N.serviceCidr}`,
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    "--allow-privileged=false",
    "--anonymous-auth=false",
    "--profiling=false",
  ];
}

/** kube-controller-manager: signs nothing but service-account tokens, gives the node its pod range. Pure. */
export function controllerManagerArgs(l: ClusterLayout): string[] {
  const kc = join(l.kubeconfigs, "controller-manager.kubeconfig");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=false",
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${join(l.pki, "sa.key")}`,
    `--root-ca-file=${join(l.pki, "ca.crt")}`,
    `--cluster-signing-cert-file=${join(l.pki, "ca.crt")}`,
    `--cluster-signing-key-file=${join(l.pki, "ca.key")}`,
    "--allocate-node-cidrs=true",
    `--cluster-cidr=${N.podCidr}`,
    "--node-cidr-mask-size=24",
    `--service-cluster-ip-range=${N.serviceCidr}`,
    "--cluster-name=meshwright",
    "--profiling=false",
  ];
}

/** kube-scheduler. Pure. */
export function schedulerArgs(l: ClusterLayout): string[] {
  const kc = join(l.kubeconfigs, "scheduler.kubeconfig");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=false",
    "--profiling=false",
  ];
}
