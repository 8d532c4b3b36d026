import { CLUSTER_NETWORK as N } from "./network";

/** The Corefile: cluster names from the API, everything else to the node's resolver. Pure. */
export function corefile(): string {
  return `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes ${N.domain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`;
}

/**
 * CoreDNS as the cluster's DNS: its RBAC, Corefile, one replica (`imagePullPolicy: Never`:
 * the image is imported, never pulled, so a missing one says so at once) and the `kube-dns`
 * Service at the address the kubelet gives every pod. A `List` for `kubectl apply`. Pure.
 */
export function corednsManifests(image: string): Record<string, unknown> {
  const ns = "kube-system";
  const labels = { "k8s-app": "kube-dns" };
  return {
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: ns } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "system:coredns" },
        rules: [
          { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
          { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "system:coredns" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
        subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: ns }],
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: ns }, data: { Corefile: corefile() } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "coredns", namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: "coredns",
              priorityClassName: "system-cluster-critical",
              dnsPolicy: "Default",
              containers: [
                {
                  name: "coredns",
                  image,
                  imagePullPolicy: "Never",
                  args: ["-conf", "/etc/coredns/Corefile"],
                  ports: [
                    { name: "dns", containerPort: 53, protocol: "UDP" },
                    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                  ],
                  resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                  },
                  readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                  livenessProbe: { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 30, periodSeconds: 10 },
                  volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: "coredns" } }],
            },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "kube-dns", namespace: ns, labels },
        spec: {
          selector: labels,
          clusterIP: N.dnsServiceIp,
          ports: [
            { name: "dns", port: 53, protocol: "UDP" },
            { name: "dns-tcp", port: 53, protocol: "TCP" },
          ],
        },
      },
    ],
  };
}
