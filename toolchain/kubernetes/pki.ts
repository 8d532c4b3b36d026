import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { run } from "../shell";
import { CLUSTER_NETWORK as N, type WorkerNode } from "./network";

/** One certificate the cluster's processes present or verify, signed by the cluster's CA. */
export interface CertificateSpec {
  /** File name stem: `<name>.crt` and `<name>.key` in the PKI folder. */
  readonly name: string;
  /** Common name: the user name the API server sees for a client certificate. */
  readonly cn: string;
  /** Organization: the group the API server sees (`system:masters`, `system:nodes`). */
  readonly o?: string;
  /** `serverAuth`, `clientAuth` or both. */
  readonly usages: readonly ("serverAuth" | "clientAuth")[];
  /** Subject alternative names of a serving certificate (`DNS:…`, `IP:…`). */
  readonly sans?: readonly string[];
}

/** Name of the CA's files (`ca.crt`, `ca.key`). */
export const CA = "ca";

/**
 * Every certificate of the cluster. The API server's covers the names a pod uses for it
 * (`kubernetes.default.svc…`, the `kubernetes` Service's ClusterIP, which pods reach it by),
 * loopback, which everything on the host uses, and each worker node's gateway address, which
 * that node's kubelet and kube-proxy use. Each worker's kubelet has its own client and serving
 * certificate, named for its address. Pure.
 */
export function certificateSpecs(workers: readonly WorkerNode[] = []): CertificateSpec[] {
  const loopback = ["DNS:localhost", "IP:127.0.0.1"];
  const client = ["clientAuth"] as const;
  return [
    { name: "etcd-server", cn: "etcd", usages: ["serverAuth"], sans: loopback },
    { name: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client", usages: client },
    {
      name: "apiserver",
      cn: "kube-apiserver",
      usages: ["serverAuth"],
      sans: [
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        `DNS:kubernetes.default.svc.${N.domain}`,
        ...loopback,
        `IP:${N.apiServiceIp}`,
        ...workers.map((w) => `IP:${w.hostAddress}`),
      ],
    },
    { name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", o: "system:masters", usages: client },
    { name: "admin", cn: "meshwright-admin", o: "system:masters", usages: client },
    { name: "controller-manager", cn: "system:kube-controller-manager", usages: client },
    { name: "scheduler", cn: "system:kube-scheduler", usages: client },
    { name: "kube-proxy", cn: "system:kube-proxy", usages: client },
    { name: "kubelet-client", cn: `system:node:${N.nodeName}`, o: "system:nodes", usages: client },
    { name: "kubelet-server", cn: N.nodeName, usages: ["serverAuth"], sans: loopback },
    ...workers.flatMap((w): CertificateSpec[] => [
      { name: `kubelet-client-${w.label}`, cn: `system:node:${w.name}`, o: "system:nodes", usages: client },
      { name: `kubelet-server-${w.label}`, cn: w.name, usages: ["serverAuth"], sans: [`IP:${w.nodeAddress}`] },
    ]),
  ];
}

/** The `openssl req` arguments that make and sign one certificate (EC P-256, one year). Pure. */
export function opensslArgs(spec: CertificateSpec, pki: string): string[] {
  const subject = `${spec.o ? `/O=${spec.o}` : ""}/CN=${spec.cn}`;
  return [
    ...["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "365"],
    ...["-keyout", join(pki, `${spec.name}.key`), "-out", join(pki, `${spec.name}.crt`), "-subj", subject],
    ...["-CA", join(pki, `${CA}.crt`), "-CAkey", join(pki, `${CA}.key`)],
    ...["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature,keyEncipherment"],
    ...["-addext", `extendedKeyUsage=${spec.usages.join(",")}`],
    ...(spec.sans?.length ? ["-addext", `subjectAltName=${spec.sans.join(",")}`] : []),
  ];
}

/**
 * Writes the CA, every certificate of {@link certificateSpecs} and the service-account signing
 * key pair (`sa.key`, `sa.pub`) into `pki` with openssl, keys readable by root only. Files
 * already there are kept, so a restarted cluster keeps its identity.
 */
export async function writePki(pki: string, log: string, workers: readonly WorkerNode[] = []): Promise<void> {
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const key = (name: string) => join(pki, `${name}.key`);
  if (!existsSync(join(pki, `${CA}.crt`)))
    await run(
      "openssl",
      [
        ...["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650"],
        ...["-keyout", key(CA), "-out", join(pki, `${CA}.crt`), "-subj", "/CN=meshwright-cluster-ca"],
        ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
      ],
      { log },
    );
  for (const spec of certificateSpecs(workers)) if (!existsSync(join(pki, `${spec.name}.crt`))) await run("openssl", opensslArgs(spec, pki), { log });
  if (!existsSync(join(pki, "sa.pub"))) {
    await run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key("sa")], { log });
    await run("openssl", ["pkey", "-in", key("sa"), "-pubout", "-out", join(pki, "sa.pub")], { log });
  }
  for (const name of [CA, "sa", ...certificateSpecs(workers).map((s) => s.name)]) chmodSync(key(name), 0o600);
}
