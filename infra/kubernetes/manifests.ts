import { createHash } from "node:crypto";
import type { ContainerSpec, MeshPlan } from "../../sdk";
import type { PublishedPorts } from "../ports";
import { kubeContainer, numericUser } from "./container";
import { Issues } from "./errors";
import { emptyPodData, FILES_VOLUME, SECRET_FILES_VOLUME, type PodData } from "./files";
import { checkDnsLabel, checkLabelValue, HOSTNAME_LABEL, MANAGED_BY, POD_LABEL, SERVICE_LABEL, STACK_LABEL } from "./names";
import type { Container, KubeObject, ObjectMeta, PodSpec, PodTemplate, ServiceObject, Volume, WorkloadObject } from "./objects";
import { planPods, type PlannedPod } from "./pods";
import { aliasLabel, aliasServices, DEFAULT_NODE_PORTS, frontDoors, frontDoorService, type FrontDoor } from "./services";
import { hostVolumes, volumeFolder, volumeOwnerInit } from "./volumes";

/** Settings of {@link kubernetesManifests}. */
export interface KubernetesManifestOptions {
  /** Namespace every object goes into (a DNS label); created with the manifests. */
  readonly namespace: string;
  /** The stack's name: the `io.meshwright.stack` label on every object, and its volumes' folder. */
  readonly stack: string;
  /**
   * The image a container runs: an override, or the tag a build produced.
   * @default the plan's `image`
   */
  readonly imageOf?: (spec: ContainerSpec) => string;
  /** Node ports of the mesh's front doors; `false` leaves one out. @default {@link DEFAULT_NODE_PORTS} */
  readonly nodePorts?: Partial<PublishedPorts>;
  /**
   * Host folder the plan's volumes live under, on the node: `<root>/<namespace>/<stack>/<volume>`.
   * @default "/var/lib/meshwright/volumes"
   */
  readonly volumeRoot?: string;
  /**
   * Node (its `kubernetes.io/hostname`) that pods with volumes are pinned to, so that their
   * data is where they run. Needed on a cluster of more than one node.
   * @default not pinned (a single node)
   */
  readonly volumeNode?: string;
  /**
   * Node (its `kubernetes.io/hostname`) a pod must run on, by pod; `undefined` leaves the
   * choice to the scheduler, which spreads the instances of one service over the nodes when
   * it can. Wins over `volumeNode` for a pod with volumes (its data is then on that node).
   * @default the scheduler chooses
   */
  readonly nodeOf?: (pod: PlannedPod) => string | undefined;
  /**
   * Restart a container whose health check keeps failing (a liveness probe, and a startup
   * probe that gives up after the start period). Docker never does this; see `probesOf`.
   * @default false
   */
  readonly restartUnhealthy?: boolean;
  /**
   * Map `on-failure` and `no` to container-level restart policies, which need Kubernetes 1.35
   * or later (`ContainerRestartRules`, on by default there). `false` for older clusters:
   * every container then restarts whenever it exits.
   * @default true
   */
  readonly containerRestartPolicies?: boolean;
}

/** The default of {@link KubernetesManifestOptions.volumeRoot}. */
export const DEFAULT_VOLUME_ROOT = "/var/lib/meshwright/volumes";

/** A mesh as Kubernetes objects, and how they map back to the plan. */
export interface KubernetesManifests {
  /**
   * Every object in apply order: the Namespace, ConfigMaps, Secrets (values unresolved: see
   * `withSecretValues`), Services, then the workloads in plan order.
   */
  readonly objects: readonly KubeObject[];
  /** The pods, in plan order: which plan containers each holds, and which pods it waits for. */
  readonly pods: readonly PlannedPod[];
  /** The NodePort front doors, with their node ports. */
  readonly frontDoors: readonly FrontDoor[];
}

/**
 * The plan as Kubernetes objects, pure: no cluster is asked and no secret value is read.
 *
 * - Containers sharing a network namespace are one pod; the namespace's owner (an instance's
 *   Consul client agent) runs as a restartable init container ("native sidecar") whose startup
 *   probe the others wait for, as their `dependsOn` waits for its health on Docker; it also
 *   outlives them on shutdown, so the agent deregisters the instance last. Pods are
 *   Deployments, or StatefulSets when they hold data (see `PlannedPod.kind`).
 * - Across pods Kubernetes has no start order: a realizer waits for the pods a pod depends on
 *   (`pods[].dependsOn`; Pulumi's `dependsOn` waits for readiness), and whatever starts early
 *   retries: agents `retry_join` the servers, a sidecar whose service is not registered yet
 *   exits and is restarted, Keycloak exits until PostgreSQL answers.
 * - Every network alias is a headless Service (see `aliasServices`); front doors are NodePort
 *   Services (see `frontDoors`).
 * - Files are a ConfigMap per pod, or its Secret for files with a secret reference, mounted with
 *   `subPath`; env values with a reference are read from the Secret. Secret values never land
 *   in a ConfigMap or a workload's spec.
 * - Volumes are host folders (see `hostVolumes`).
 * - Every pod: seccomp `RuntimeDefault` (Docker's default profile), no service account token
 *   (apps are not trusted with the API), no service links (Docker injects no such env), 10 s
 *   to stop (Docker's default), a hash of its files and env in an annotation so that a changed
 *   plan replaces it (files mounted with `subPath` are never updated in place).
 *
 * Throws {@link KubernetesPlanError} listing every issue when the plan has names Kubernetes
 * refuses, users given by name, or health checks with no probe equivalent.
 */
export function kubernetesManifests(plan: MeshPlan, opts: KubernetesManifestOptions): KubernetesManifests {
  const issues = new Issues();
  checkDnsLabel(issues, "options.namespace", opts.namespace, 63, "a namespace");
  checkLabelValue(issues, "options.stack", opts.stack);
  checkDependencies(plan, issues);
  const pods = planPods(plan, issues);
  const labels = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...MANAGED_BY,
    "app.kubernetes.io/part-of": plan.mesh.name,
    [STACK_LABEL]: opts.stack,
    ...extra,
  });
  const meta = (name: string, extra?: Record<string, string>): ObjectMeta => ({ name, namespace: opts.namespace, labels: labels(extra) });

  const doors = frontDoors(plan, pods, { ...DEFAULT_NODE_PORTS, ...opts.nodePorts });
  const podObjects = pods.map((pod, i) => podManifests(pod, `pods[${i}]`, { ...opts, plan, issues, meta }));
  const services: ServiceObject[] = [
    ...aliasServices(pods, (name) => meta(name), opts.stack, issues),
    ...doors.map((d) => frontDoorService(d, meta(d.service, { [POD_LABEL]: d.pod }), opts.stack)),
  ];
  checkUnique(
    issues,
    "Service",
    services.map((s) => s.metadata.name),
  );
  issues.throwIfAny();
  return {
    objects: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: opts.namespace, labels: labels() } },
      ...podObjects.flatMap((p) => p.data),
      ...services,
      ...podObjects.map((p) => p.workload),
    ],
    pods,
    frontDoors: doors,
  };
}

interface PodContext extends KubernetesManifestOptions {
  readonly plan: MeshPlan;
  readonly issues: Issues;
  readonly meta: (name: string, extra?: Record<string, string>) => ObjectMeta;
}

/** One pod's ConfigMap and Secret (when it has any data) and its workload. */
function podManifests(pod: PlannedPod, where: string, ctx: PodContext): { data: KubeObject[]; workload: WorkloadObject } {
  const owner = pod.containers[0]!;
  checkDnsLabel(ctx.issues, `${where}.name`, pod.name, pod.kind === "StatefulSet" ? 52 : 63, `a ${pod.kind} name`);
  const podLabels: Record<string, string> = {
    "io.meshwright.role": owner.role,
    ...(owner.service ? { [SERVICE_LABEL]: owner.service } : {}),
    ...(owner.instance ? { "io.meshwright.instance": owner.instance } : {}),
    [POD_LABEL]: pod.name,
  };
  const names = { config: `${pod.name}-files`, secret: `${pod.name}-secrets` };
  const data = emptyPodData();
  const volumes: Volume[] = [];
  const init: Container[] = [];
  const containers = pod.containers.map((spec, position) => {
    const image = ctx.imageOf?.(spec) ?? spec.image;
    const host = hostVolumes(spec, position, (v) => volumeFolder(ctx.volumeRoot ?? DEFAULT_VOLUME_ROOT, ctx.namespace, ctx.stack, v));
    volumes.push(...host.volumes);
    const ownerInit = volumeOwnerInit(spec, position, image, `${spec.name}-volumes`.slice(0, 63));
    if (ownerInit) init.push(ownerInit);
    checkDnsLabel(ctx.issues, `containers.${spec.name}.name`, spec.name, 63, "a container name");
    return kubeContainer(spec, {
      image,
      secretName: names.secret,
      data,
      volumeMounts: host.mounts,
      where: `containers.${spec.name}`,
      issues: ctx.issues,
      restartUnhealthy: ctx.restartUnhealthy ?? false,
      containerRestartPolicies: ctx.containerRestartPolicies ?? true,
    });
  });
  // The owner as a native sidecar when others share its namespace and it restarts like one.
  const sidecarOwner = pod.containers.length > 1 && (owner.restartPolicy === "always" || owner.restartPolicy === "unless-stopped");
  const [first, ...rest] = containers;
  const spec: PodSpec = {
    ...(init.length || sidecarOwner ? { initContainers: [...init, ...(sidecarOwner ? [{ ...first!, restartPolicy: "Always" as const }] : [])] } : {}),
    containers: sidecarOwner ? rest : containers,
    ...(dataVolumes(data, names).length || volumes.length ? { volumes: [...dataVolumes(data, names), ...volumes] } : {}),
    restartPolicy: "Always",
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 10,
    securityContext: { seccompProfile: { type: "RuntimeDefault" }, ...fsGroup(pod) },
    ...placement(ctx.nodeOf?.(pod) ?? (volumes.length ? ctx.volumeNode : undefined), owner.service, ctx.stack),
  };
  checkUnique(
    ctx.issues,
    `container in pod ${pod.name}`,
    [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name),
  );
  const template: PodTemplate = {
    metadata: {
      labels: ctx.meta(pod.name, { ...podLabels, ...Object.fromEntries(owner.networkAliases.map((a) => [aliasLabel(a), "true"])) }).labels,
      annotations: {
        "io.meshwright.config-hash": hash({ config: data.config, secret: data.secret }),
        ...Object.fromEntries(pod.containers.filter((c) => c.healthOf).map((c) => [`io.meshwright.health-of.${c.name}`, c.healthOf!])),
      },
    },
    spec,
  };
  const selector = { matchLabels: { [STACK_LABEL]: ctx.stack, [POD_LABEL]: pod.name } };
  const workload: WorkloadObject =
    pod.kind === "StatefulSet"
      ? {
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          metadata: ctx.meta(pod.name, podLabels),
          // Parallel: a lone replica gains nothing from ordered start, and a pod stuck unready must not block its own update.
          spec: { replicas: 1, serviceName: owner.networkAliases[0] ?? pod.name, podManagementPolicy: "Parallel", selector, template },
        }
      : {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: ctx.meta(pod.name, podLabels),
          spec: { replicas: 1, strategy: { type: "Recreate" }, selector, template },
        };
  const objects: KubeObject[] = [];
  if (Object.keys(data.config).length) objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: ctx.meta(names.config, podLabels), data: data.config });
  if (Object.keys(data.secret).length)
    objects.push({ apiVersion: "v1", kind: "Secret", metadata: ctx.meta(names.secret, podLabels), type: "Opaque", stringData: data.secret });
  return { data: objects, workload };
}

/** The pod volumes of its ConfigMap and Secret, with the items its containers mount. */
function dataVolumes(data: PodData, names: { config: string; secret: string }): Volume[] {
  return [
    ...(data.configItems.length ? [{ name: FILES_VOLUME, configMap: { name: names.config, items: data.configItems } }] : []),
    ...(data.secretItems.length ? [{ name: SECRET_FILES_VOLUME, secret: { secretName: names.secret, items: data.secretItems } }] : []),
  ];
}

/**
 * On Docker a file is owned by the numeric user its container runs as, so a 0600 key stays
 * readable to it. Kubernetes' ConfigMap and Secret files are root's; with `fsGroup` they
 * belong to that group, made group-readable, and every container of the pod has the group.
 * The first non-root container with files gives it (its gid, else its uid).
 */
function fsGroup(pod: PlannedPod): { fsGroup?: number } {
  for (const c of pod.containers) {
    const user = numericUser(c.user);
    if (c.files.length && user && user.uid !== 0) return { fsGroup: user.gid ?? user.uid };
  }
  return {};
}

/**
 * Where a pod may run: on `node` when one is given; else an instance's pod prefers the node
 * with the fewest pods of its service (a soft spread: one node still runs them all), so that
 * losing a node leaves the service's other instances to fail over to.
 */
function placement(node: string | undefined, service: string | undefined, stack: string): Pick<PodSpec, "affinity" | "topologySpreadConstraints"> {
  if (node)
    return {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [node] }] }],
          },
        },
      },
    };
  if (!service) return {};
  return {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: HOSTNAME_LABEL,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { [STACK_LABEL]: stack, [SERVICE_LABEL]: service } },
      },
    ],
  };
}

function checkDependencies(plan: MeshPlan, issues: Issues): void {
  const names = new Set(plan.containers.map((c) => c.name));
  plan.containers.forEach((c, i) =>
    c.dependsOn.forEach((d, j) => {
      if (!names.has(d))
        issues.add(`containers[${i}].dependsOn[${j}]`, `${c.name} depends on ${d}, which the plan does not define`, "this is a bug in the plan's compiler");
    }),
  );
}

function checkUnique(issues: Issues, what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) issues.add(`${what} ${n}`, `two objects would be named ${n}`, "rename one of the containers, aliases or gateways in the mesh");
    seen.add(n);
  }
}

function hash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}
