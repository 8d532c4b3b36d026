import { Resolver } from "node:dns/promises";
import { get } from "node:https";
import { join } from "node:path";
import { capture } from "../shell";
import type { ClusterLayout } from "./layout";
import { CLUSTER_NETWORK as N } from "./network";
import { clusterBin } from "./paths";

/** Whether etcd answers its health endpoint over TLS with the API server's client certificate. */
export async function etcdHealthy(l: ClusterLayout): Promise<boolean> {
  const pki = (f: string) => join(l.pki, f);
  const r = await capture(join(clusterBin(), "etcdctl"), [
    "--endpoints=https://127.0.0.1:2379",
    `--cacert=${pki("ca.crt")}`,
    `--cert=${pki("apiserver-etcd-client.crt")}`,
    `--key=${pki("apiserver-etcd-client.key")}`,
    "--command-timeout=2s",
    "endpoint",
    "health",
  ]);
  return r.code === 0;
}

/** Whether a process answers 200 on `/healthz` (the controller-manager's and scheduler's over TLS need no credentials; kube-proxy's is plain HTTP). */
export function healthzAnswers(port: number, scheme: "https" | "http" = "https", host = "127.0.0.1"): Promise<boolean> {
  if (scheme === "http")
    return fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
  return new Promise((resolve) => {
    const req = get({ host, port, path: "/healthz", rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** Whether the containerd of a layout answers the CRI. */
export async function containerdAnswers(l: ClusterLayout): Promise<boolean> {
  return (await capture(join(clusterBin(), "crictl"), ["--runtime-endpoint", `unix://${l.containerdSocket}`, "--timeout", "2s", "info"])).code === 0;
}

/**
 * Whether the cluster's DNS answers from this host: the `kubernetes` Service's name, asked of
 * the `kube-dns` ClusterIP (kube-proxy's rules route the host's own traffic to CoreDNS),
 * resolves to its ClusterIP.
 */
export async function dnsAnswers(): Promise<boolean> {
  const resolver = new Resolver({ timeout: 1_500, tries: 1 });
  resolver.setServers([N.dnsServiceIp]);
  try {
    return (await resolver.resolve4(`kubernetes.default.svc.${N.domain}`)).includes(N.apiServiceIp);
  } catch {
    return false;
  }
}
