/** The API server's URL on the host: loopback only, nothing outside the machine reaches it. */
export const API_SERVER_URL = "https://127.0.0.1:6443";

/** The context name in every kubeconfig the cluster writes. */
export const CONTEXT = "meshwright";

/** PEM texts of a client identity and the CA that vouches for the server. */
export interface KubeconfigCredentials {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * A kubeconfig (JSON, which every YAML reader accepts) for one client certificate, with the
 * certificates embedded so the file works wherever it is copied or read as a string (e.g. the
 * Pulumi Kubernetes provider's `kubeconfig` argument). Pure.
 */
export function kubeconfig(user: string, creds: KubeconfigCredentials, server: string = API_SERVER_URL): string {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: CONTEXT, cluster: { server, "certificate-authority-data": b64(creds.caPem) } }],
      users: [{ name: user, user: { "client-certificate-data": b64(creds.certPem), "client-key-data": b64(creds.keyPem) } }],
      contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user } }],
      "current-context": CONTEXT,
      preferences: {},
    },
    null,
    2,
  )}\n`;
}
