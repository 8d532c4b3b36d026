/** The Kubernetes realizer's pure half: a plan as Kubernetes objects (infra/kubernetes). */
import { compile, Mesh, type ContainerSpec, type MeshPlan } from "../../sdk";
import shop from "../../examples/shop";
import { kubernetesManifests, KubernetesPlanError, withSecretValues, type KubeObject, type KubernetesManifestOptions } from "../../infra/kubernetes";
import type { Container, DeploymentObject, ServiceObject, StatefulSetObject, WorkloadObject } from "../../infra/kubernetes/objects";

const OPTS: KubernetesManifestOptions = { namespace: "shop", stack: "dev" };
const shopPlan = compile(shop);
const shopManifests = kubernetesManifests(shopPlan, OPTS);

const workload = (objects: readonly KubeObject[], name: string) =>
  objects.find((o): o is WorkloadObject => (o.kind === "Deployment" || o.kind === "StatefulSet") && o.metadata.name === name)!;
const service = (objects: readonly KubeObject[], name: string) => objects.find((o): o is ServiceObject => o.kind === "Service" && o.metadata.name === name)!;
const podContainers = (w: WorkloadObject): Container[] => [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers];
const container = (w: WorkloadObject, name: string) => podContainers(w).find((c) => c.name === name)!;

/** The plan with one container changed. */
function withContainer(plan: MeshPlan, name: string, change: Partial<ContainerSpec>): MeshPlan {
  return { ...plan, containers: plan.containers.map((c) => (c.name === name ? { ...c, ...change } : c)) };
}

describe("an instance on Kubernetes", () => {
  const pod = workload(shopManifests.objects, "payment-service-1") as DeploymentObject;

  it("is one pod: the Consul agent, app, sidecar and probe share its network namespace as on Docker", () => {
    expect(pod.kind).toBe("Deployment");
    expect(podContainers(pod).map((c) => c.name)).toEqual([
      "payment-service-1",
      "payment-service-1-app",
      "payment-service-1-sidecar",
      "payment-service-1-probe",
    ]);
  });

  it("starts the agent first as a native sidecar, so the others wait for its startup probe as they wait for its health on Docker", () => {
    const [agent] = pod.spec.template.spec.initContainers!;
    expect(agent).toMatchObject({
      name: "payment-service-1",
      restartPolicy: "Always",
      startupProbe: { exec: { command: ["consul", "acl", "token", "read", "-self"] } },
    });
  });

  it("is one replica, replaced by stopping the old pod first: two pods would register one Consul node twice", () => {
    expect(pod.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
  });

  it("carries the stack, role, service, instance and managed-by labels, and selects by stack and pod", () => {
    expect(pod.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "meshwright",
      "app.kubernetes.io/part-of": "shop",
      "io.meshwright.stack": "dev",
      "io.meshwright.role": "node",
      "io.meshwright.service": "payment-service",
      "io.meshwright.instance": "payment-service-1",
      "io.meshwright.pod": "payment-service-1",
    });
    expect(pod.spec.selector.matchLabels).toEqual({ "io.meshwright.stack": "dev", "io.meshwright.pod": "payment-service-1" });
    expect(pod.spec.template.metadata.labels).toMatchObject({ ...pod.spec.selector.matchLabels, "io.meshwright.alias/payment-service-1": "true" });
  });

  it("never pulls an image (the plan's images are local tags) and runs the plan's command as args", () => {
    for (const c of podContainers(pod)) expect(c.imagePullPolicy).toBe("Never");
    expect(container(pod, "payment-service-1-app")).toMatchObject({ image: "meshwright/workload:0.5.0", args: ["serve"] });
    expect(container(pod, "payment-service-1-app").command).toBeUndefined();
  });

  it("keeps Docker's restart policies: an on-failure or no container stays down after a clean exit", () => {
    const policies: Record<string, ContainerSpec["restartPolicy"]> = {
      "payment-service-1-app": "always",
      "payment-service-1-sidecar": "on-failure",
      "payment-service-1-probe": "no",
    };
    const plan = Object.entries(policies).reduce((p, [name, restartPolicy]) => withContainer(p, name, { restartPolicy }), shopPlan);
    const restarting = workload(kubernetesManifests(plan, OPTS).objects, "payment-service-1");
    expect(podContainers(restarting).map((c) => [c.name, c.restartPolicy])).toEqual([
      ["payment-service-1", "Always"], // the agent, a native sidecar
      ["payment-service-1-app", undefined], // the pod's Always
      ["payment-service-1-sidecar", "OnFailure"],
      ["payment-service-1-probe", "Never"],
    ]);
    const old = workload(kubernetesManifests(plan, { ...OPTS, containerRestartPolicies: false }).objects, "payment-service-1");
    expect(container(old, "payment-service-1-sidecar").restartPolicy).toBeUndefined();
  });

  it("hardens every pod as Docker does and gives apps no API token or service env", () => {
    expect(pod.spec.template.spec).toMatchObject({
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 10,
    });
    expect(container(pod, "payment-service-1-sidecar").securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("records whose health the probe container reports", () => {
    expect(pod.spec.template.metadata.annotations["io.meshwright.health-of.payment-service-1-probe"]).toBe("payment-service-1-app");
  });
});

describe("health checks as probes", () => {
  const consul = workload(shopManifests.objects, "consul");
  const check = ["consul", "acl", "token", "read", "-self"];

  it("checks every second until the first pass, then every interval, unready after the plan's retries", () => {
    expect(container(consul, "consul")).toMatchObject({
      startupProbe: { exec: { command: check }, periodSeconds: 1, timeoutSeconds: 5 },
      readinessProbe: { exec: { command: check }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
    });
  });

  it("never restarts a container for failing its check unless asked (Docker does not, and a server waiting for quorum fails it)", () => {
    expect(container(consul, "consul").livenessProbe).toBeUndefined();
    expect(container(consul, "consul").startupProbe!.failureThreshold).toBe(86_400);
    const strict = container(workload(kubernetesManifests(shopPlan, { ...OPTS, restartUnhealthy: true }).objects, "consul"), "consul");
    expect(strict.livenessProbe).toMatchObject({ exec: { command: check }, periodSeconds: 30, failureThreshold: 3 });
    // 120 s start period at 1 s, then the plan's 3 retries
    expect(strict.startupProbe!.failureThreshold).toBe(123);
  });

  it("runs a CMD-SHELL check through /bin/sh and refuses a form it cannot run", () => {
    const shell = withContainer(shopPlan, "prometheus", {
      healthCheck: { test: ["CMD-SHELL", "true"], intervalMs: 5000, startIntervalMs: 500, timeoutMs: 1000, retries: 2, startPeriodMs: 10_000 },
    });
    expect(container(workload(kubernetesManifests(shell, OPTS).objects, "prometheus"), "prometheus").readinessProbe!.exec.command).toEqual([
      "/bin/sh",
      "-c",
      "true",
    ]);
    const odd = withContainer(shopPlan, "prometheus", {
      healthCheck: { test: ["WHAT", "x"], intervalMs: 5000, startIntervalMs: 500, timeoutMs: 1000, retries: 2, startPeriodMs: 10_000 },
    });
    expect(() => kubernetesManifests(odd, OPTS)).toThrow('containers.prometheus.healthCheck.test: health check ["WHAT","x"] has no exec probe equivalent');
  });
});

describe("data that outlives a pod", () => {
  const server = workload(shopManifests.objects, "consul") as StatefulSetObject;
  const postgres = workload(shopManifests.objects, "postgres") as StatefulSetObject;

  it("runs pods with volumes as StatefulSets (never two pods on one data folder) and the rest as Deployments", () => {
    expect(shopManifests.pods.map((p) => [p.name, p.kind])).toEqual([
      ["consul", "StatefulSet"],
      ["postgres", "StatefulSet"],
      ["keycloak", "Deployment"],
      ["payment-service-1", "Deployment"],
      ["payment-service-2", "Deployment"],
      ["payment-service-3", "Deployment"],
      ["user-service-1", "Deployment"],
      ["web", "Deployment"],
      ["prometheus", "Deployment"],
    ]);
    expect(server.spec).toMatchObject({ replicas: 1, serviceName: "consul" });
  });

  it("keeps each volume in a host folder per namespace and stack, mounted where the plan says", () => {
    expect(server.spec.template.spec.volumes).toContainEqual({
      name: "data-0-0",
      hostPath: { path: "/var/lib/meshwright/volumes/shop/dev/consul-data", type: "DirectoryOrCreate" },
    });
    expect(container(server, "consul").volumeMounts).toContainEqual({ name: "data-0-0", mountPath: "/consul/data" });
  });

  it("gives an empty host folder the owner and mode of the image's folder first, as Docker does for an empty volume", () => {
    const [init] = postgres.spec.template.spec.initContainers!;
    expect(init).toMatchObject({
      name: "postgres-volumes",
      image: postgres.spec.template.spec.containers[0]!.image,
      securityContext: { runAsUser: 0, capabilities: { drop: ["ALL"], add: ["CHOWN", "FOWNER"] } },
      volumeMounts: [{ name: "data-0-0", mountPath: "/meshwright/volume0" }],
    });
    expect(init!.command!.at(-1)).toContain("chown --reference='/var/lib/postgresql/data' /meshwright/volume0");
  });

  it("pins pods with volumes to the node holding their data, when told which", () => {
    const pinned = workload(kubernetesManifests(shopPlan, { ...OPTS, volumeNode: "localhost" }).objects, "postgres");
    expect(pinned.spec.template.spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["localhost"] }] },
    ]);
    expect(workload(kubernetesManifests(shopPlan, { ...OPTS, volumeNode: "localhost" }).objects, "keycloak").spec.template.spec.affinity).toBeUndefined();
  });

  it("spreads a service's instances over the nodes when it can (a soft constraint), and leaves other pods to the scheduler", () => {
    const objects = kubernetesManifests(shopPlan, OPTS).objects;
    expect(workload(objects, "payment-service-1").spec.template.spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "io.meshwright.stack": OPTS.stack, "io.meshwright.service": "payment-service" } },
      },
    ]);
    // The selector matches the pods it spreads: the service's instances, all three.
    const selected = objects.filter(
      (o) => (o.kind === "Deployment" || o.kind === "StatefulSet") && o.spec.template.metadata.labels["io.meshwright.service"] === "payment-service",
    );
    expect(selected.map((o) => o.metadata.name).sort()).toEqual(["payment-service-1", "payment-service-2", "payment-service-3"]);
    expect(workload(objects, "keycloak").spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it("puts a pod on the node nodeOf names, over volumeNode, and leaves the rest to the scheduler", () => {
    const objects = kubernetesManifests(shopPlan, {
      ...OPTS,
      volumeNode: "localhost",
      nodeOf: (pod) => (pod.name === "payment-service-2" || pod.name === "postgres" ? "10.245.2.2" : undefined),
    }).objects;
    const nodeOf = (pod: string) =>
      workload(objects, pod).spec.template.spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions[0]
        ?.values;
    expect({ p2: nodeOf("payment-service-2"), postgres: nodeOf("postgres"), p1: nodeOf("payment-service-1") }).toEqual({
      p2: ["10.245.2.2"],
      postgres: ["10.245.2.2"],
      p1: undefined,
    });
    expect(workload(objects, "payment-service-2").spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
});

describe("names", () => {
  it("resolve through one headless Service per alias, publishing pods that are not ready yet (as Docker's DNS does)", () => {
    expect(service(shopManifests.objects, "keycloak").spec).toEqual({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { "io.meshwright.stack": "dev", "io.meshwright.alias/keycloak": "true" },
      ports: [
        { name: "tcp-8080", port: 8080, targetPort: 8080, protocol: "TCP" },
        { name: "tcp-9000", port: 9000, targetPort: 9000, protocol: "TCP" },
      ],
    });
  });

  it("resolve `consul` to every server of a cluster, and each server's own name to it alone", () => {
    const mesh = new Mesh("ha", { consul: { servers: 3 } });
    mesh.service("api");
    const m = kubernetesManifests(compile(mesh), { namespace: "ha", stack: "dev" });
    const holders = (alias: string) =>
      m.pods.filter((p) => {
        const labels = workload(m.objects, p.name).spec.template.metadata.labels;
        return Object.entries(service(m.objects, alias).spec.selector).every(([k, v]) => labels[k] === v);
      });
    expect(holders("consul").map((p) => p.name)).toEqual(["consul", "consul-2", "consul-3"]);
    expect(holders("consul-2").map((p) => p.name)).toEqual(["consul-2"]);
  });

  it("open the front doors on node ports inside Kubernetes' range, or not at all", () => {
    expect(shopManifests.frontDoors.map((d) => [d.name, d.pod, d.containerPort, d.hostPort])).toEqual([
      ["consul", "consul", 8500, 30500],
      ["keycloak", "keycloak", 8080, 30080],
      ["ingress", "web", 8080, 30000],
      ["prometheus", "prometheus", 9090, 30090],
    ]);
    expect(service(shopManifests.objects, "ingress-nodeport").spec).toMatchObject({
      type: "NodePort",
      selector: { "io.meshwright.pod": "web" },
      ports: [{ port: 8080, targetPort: 8080, nodePort: 30000 }],
    });
    const closed = kubernetesManifests(shopPlan, { ...OPTS, nodePorts: { keycloak: false } });
    expect(closed.frontDoors.map((d) => d.name)).toEqual(["consul", "ingress", "prometheus"]);
  });
});

describe("files, env and secrets", () => {
  const keycloak = workload(shopManifests.objects, "keycloak");
  const secret = shopManifests.objects.find((o) => o.kind === "Secret" && o.metadata.name === "keycloak-secrets");

  it("reads env values holding a secret reference from the pod's Secret, and keeps the rest inline", () => {
    const env = container(keycloak, "keycloak").env!;
    expect(env.find((e) => e.name === "KC_BOOTSTRAP_ADMIN_PASSWORD")).toEqual({
      name: "KC_BOOTSTRAP_ADMIN_PASSWORD",
      valueFrom: { secretKeyRef: { name: "keycloak-secrets", key: "keycloak.env.KC_BOOTSTRAP_ADMIN_PASSWORD" } },
    });
    expect(env.find((e) => e.name === "KC_HOSTNAME")).toEqual({ name: "KC_HOSTNAME", value: "http://keycloak:8080" });
    expect(secret).toMatchObject({ stringData: { "keycloak.env.KC_BOOTSTRAP_ADMIN_PASSWORD": "{{secret:keycloak/admin-password}}" } });
  });

  it("mounts each file with subPath at its path and mode, from the Secret when it holds a reference", () => {
    expect(container(keycloak, "keycloak").volumeMounts).toEqual([
      { name: "secret-files", mountPath: "/opt/keycloak/data/import/shop-realm.json", subPath: "keycloak.0.shop-realm.json", readOnly: true },
    ]);
    expect(keycloak.spec.template.spec.volumes).toEqual([
      {
        name: "secret-files",
        secret: { secretName: "keycloak-secrets", items: [{ key: "keycloak.0.shop-realm.json", path: "keycloak.0.shop-realm.json", mode: 0o600 }] },
      },
    ]);
  });

  it("puts files without a reference in the pod's ConfigMap, readable to a non-root app through fsGroup", () => {
    const plan = withContainer(shopPlan, "user-service-1-app", {
      user: "1000:2000",
      files: [{ path: "/etc/app/config.yaml", content: "level: info\n", mode: 0o600 }],
    });
    const m = kubernetesManifests(plan, OPTS);
    expect(m.objects.find((o) => o.kind === "ConfigMap")).toMatchObject({
      metadata: { name: "user-service-1-files" },
      data: { "user-service-1-app.0.config.yaml": "level: info\n" },
    });
    const pod = workload(m.objects, "user-service-1");
    expect(container(pod, "user-service-1-app").securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000 });
    expect(pod.spec.template.spec.securityContext.fsGroup).toBe(2000);
  });

  it("passes `$` through as Docker does: Kubernetes would expand $(NAME) and fold $$", () => {
    const plan = withContainer(shopPlan, "user-service-1-app", { env: { PROMPT: "$(whoami) costs $$5" }, command: ["echo", "$(HOME)"] });
    const app = container(workload(kubernetesManifests(plan, OPTS).objects, "user-service-1"), "user-service-1-app");
    expect(app.env).toEqual([{ name: "PROMPT", value: "$$(whoami) costs $$$$5" }]);
    expect(app.args).toEqual(["echo", "$$(HOME)"]);
  });

  it("spells limits as the API server reads them back", () => {
    const plan = withContainer(shopPlan, "user-service-1-app", { resources: { nanoCpus: 500_000_000, memoryBytes: 256 * 1024 * 1024 } });
    expect(container(workload(kubernetesManifests(plan, OPTS).objects, "user-service-1"), "user-service-1-app").resources).toEqual({
      limits: { cpu: "500m", memory: "256Mi" },
    });
  });

  it("fills in Secret values only when asked, and only in Secrets", () => {
    const values = Object.fromEntries(
      shopPlan.secrets.flatMap((s) => (s.generate.kind.startsWith("tls") ? [`${s.name}#cert`, `${s.name}#key`] : [s.name])).map((k) => [k, `value-of-${k}`]),
    );
    const resolved = withSecretValues(shopManifests.objects, values);
    expect(resolved.find((o) => o.kind === "Secret" && o.metadata.name === "keycloak-secrets")).toMatchObject({
      stringData: { "keycloak.env.KC_BOOTSTRAP_ADMIN_PASSWORD": "value-of-keycloak/admin-password" },
    });
    expect(resolved.filter((o) => o.kind !== "Secret")).toEqual(shopManifests.objects.filter((o) => o.kind !== "Secret"));
    expect(() => withSecretValues(shopManifests.objects, {})).toThrow("no value for secret");
  });
});

describe("a plan Kubernetes cannot run", () => {
  it("fails with every issue at once, each with where, what and how to fix it", () => {
    const plan = withContainer(shopPlan, "user-service-1-app", { user: "app" });
    let error: unknown;
    try {
      kubernetesManifests(plan, { namespace: "Shop_NS", stack: "dev/1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KubernetesPlanError);
    expect((error as KubernetesPlanError).issues.map((i) => i.path)).toEqual(["options.namespace", "options.stack", "containers.user-service-1-app.user"]);
    expect((error as Error).message).toContain(
      'containers.user-service-1-app.user: user "app" is a name; Kubernetes runs containers only as numeric ids (hint: give the user as "uid" or "uid:gid")',
    );
  });

  it("refuses an alias that cannot be a Service name, since it would not resolve", () => {
    const plan = withContainer(shopPlan, "web", { networkAliases: ["web", "9lives"] });
    expect(() => kubernetesManifests(plan, OPTS)).toThrow('containers.web.networkAliases: "9lives" cannot be a Service name');
  });
});
