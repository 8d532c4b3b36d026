import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MeshPlan } from "../../sdk";
import { CLUSTER_NETWORK } from "../../toolchain/kubernetes/network";
import { waitTimeoutSeconds } from "../healthcheck";
import { kubernetesManifests, type KubernetesManifestOptions, type KubernetesManifests } from "./manifests";
import type { KubeObject, SecretObject, ServiceObject, WorkloadObject } from "./objects";
import type { PlannedPod } from "./pods";
import { resolvedStringData, type SecretValues } from "./secret-values";

/** A pod's workload: a Deployment, or a StatefulSet for a pod that holds data. */
export type Workload = k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet;

/** What a {@link KubernetesMesh} realizes, and where. */
export interface KubernetesMeshArgs extends Omit<KubernetesManifestOptions, "namespace" | "stack"> {
  /** The plan (from `compile(mesh)`), checked as MeshStack checks it. */
  readonly plan: MeshPlan;
  /**
   * The cluster's kubeconfig: a file path (kept in the state as a path, so no credential is)
   * or its contents. Required unless {@link renderYamlTo} is given.
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Namespace of the mesh, created and deleted with it. @default the mesh's name */
  readonly namespace?: string;
  /** The `io.meshwright.stack` label and the volumes' folder. @default the component's name */
  readonly stack?: string;
  /** Every secret value the plan references (MeshStack's `secretValues`: generated, merged with the supplied ones). */
  readonly secretValues: pulumi.Input<SecretValues>;
  /**
   * Resources a pod's workload must wait for besides the pods it depends on: e.g. the Consul
   * ACL tokens its containers use (as MeshStack waits for them on Docker).
   */
  readonly waitFor?: (pod: PlannedPod, workloads: Readonly<Record<string, Workload>>) => readonly pulumi.Resource[];
  /**
   * Address the front doors' node ports are reached on: a node's address other than loopback
   * (kube-proxy answers node ports on 127.0.0.1 only with `localhostNodePorts`, which the local
   * cluster leaves off so as not to change the host's `route_localnet`).
   * @default the local cluster's bridge address (`CLUSTER_NETWORK.bridgeAddress`, 10.244.0.1)
   */
  readonly nodeAddress?: string;
  /**
   * Seconds `pulumi up` waits for each pod to become ready.
   * @default from its containers' health checks: start period + retries × interval + 30 s, the longest of them
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * Write every object as YAML into this folder instead of applying it (the provider's
   * `renderYamlToDirectory`): no cluster is needed, and nothing is awaited. The files hold the
   * Secrets' values in plain text.
   */
  readonly renderYamlTo?: string;
}

/**
 * A mesh on Kubernetes: the objects {@link kubernetesManifests} makes, each a resource of
 * `@pulumi/kubernetes` through a provider for the given kubeconfig:
 * - Secrets get their values here, as Pulumi secrets (encrypted in the state; the provider
 *   also keeps a Secret's data secret), and never appear anywhere else;
 * - a workload waits for the workloads of the pods it depends on to be ready (Pulumi's
 *   await), for its ConfigMap, Secret and Services, and for `waitFor(pod)`;
 * - a pod is replaced when its Secret changes (`io.meshwright.secret-version`), since env
 *   read from a Secret and files mounted with `subPath` are read once at start.
 *
 * Deleting the stack deletes the namespace and everything in it; the volumes' host folders
 * stay (see `volumeFolder`).
 */
export class KubernetesMesh extends pulumi.ComponentResource {
  /** The objects applied (Secrets without values). */
  readonly manifests: KubernetesManifests;
  readonly provider: k8s.Provider;
  readonly namespace: pulumi.Output<string>;
  /** Workloads by pod name. */
  readonly workloads: Readonly<Record<string, Workload>>;
  /** Pod of every plan container (what an attach through the API execs into: `<pod>` workload, container `<plan name>`). */
  readonly podOf: Readonly<Record<string, string>>;
  /** `http://<nodeAddress>:<nodePort>` of each front door, by name (`consul`, `keycloak`, `ingress`, `prometheus`), once its pod is ready. */
  readonly frontDoorUrls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: KubernetesMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    const namespaceName = args.namespace ?? args.plan.mesh.name;
    if (args.kubeconfig === undefined && args.renderYamlTo === undefined)
      throw new Error(
        `KubernetesMesh ${name}: no cluster to apply to; fix: pass kubeconfig (a path, e.g. the local cluster's clusterKubeconfig()), or renderYamlTo to write YAML instead`,
      );
    const manifests = kubernetesManifests(args.plan, { ...args, namespace: namespaceName, stack: args.stack ?? name });
    super("meshwright:infra:KubernetesMesh", name, {}, opts);
    this.manifests = manifests;
    this.provider = new k8s.Provider(
      `${name}-provider`,
      {
        namespace: namespaceName,
        // Updated in place, under their fixed names (pods read them by name): by default the
        // provider replaces a ConfigMap or Secret whose data changed, creating the new one first.
        enableConfigMapMutable: true,
        enableSecretMutable: true,
        ...(args.renderYamlTo ? { renderYamlToDirectory: args.renderYamlTo } : { kubeconfig: args.kubeconfig }),
      },
      { parent: this },
    );
    const child = { parent: this, provider: this.provider };
    const values = pulumi.secret(pulumi.output(args.secretValues));

    const byName = new Map<string, pulumi.Resource>();
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: objectMeta(manifests.objects[0]!) }, child);
    this.namespace = namespace.metadata.name;
    const inNamespace = { ...child, dependsOn: [namespace] };
    const secretVersions = new Map<string, pulumi.Output<string>>();
    for (const o of manifests.objects.slice(1)) {
      if (o.kind === "ConfigMap")
        byName.set(key(o), new k8s.core.v1.ConfigMap(`${name}-${key(o)}`, { metadata: objectMeta(o), data: { ...o.data } }, inNamespace));
      else if (o.kind === "Secret") {
        const secret = new k8s.core.v1.Secret(`${name}-${key(o)}`, secretArgs(o, values), { ...inNamespace, additionalSecretOutputs: ["stringData", "data"] });
        byName.set(key(o), secret);
        secretVersions.set(o.metadata.name, secret.metadata.resourceVersion);
      } else if (o.kind === "Service") byName.set(key(o), new k8s.core.v1.Service(`${name}-${key(o)}`, serviceArgs(o), inNamespace));
    }

    const workloads: Record<string, Workload> = {};
    const objectsOfPod = (pod: string) =>
      manifests.objects.filter(
        (o) => (o.kind === "ConfigMap" || o.kind === "Secret" || o.kind === "Service") && o.metadata.labels["io.meshwright.pod"] === pod,
      );
    for (const pod of manifests.pods) {
      const o = manifests.objects.find((x): x is WorkloadObject => (x.kind === "Deployment" || x.kind === "StatefulSet") && x.metadata.name === pod.name)!;
      const seconds = args.waitTimeoutSeconds ?? podWaitSeconds(pod);
      const workloadOpts: pulumi.CustomResourceOptions = {
        ...child,
        dependsOn: [
          namespace,
          ...objectsOfPod(pod.name).map((x) => byName.get(key(x))!),
          ...aliasServicesOf(manifests, pod).map((s) => byName.get(key(s))!),
          ...pod.dependsOn.map((d) => workloadBefore(workloads, d, pod.name, this)),
          ...(args.waitFor?.(pod, workloads) ?? []),
        ],
        customTimeouts: { create: `${seconds}s`, update: `${seconds}s` },
      };
      const version = secretVersions.get(`${pod.name}-secrets`);
      workloads[pod.name] =
        o.kind === "Deployment"
          ? new k8s.apps.v1.Deployment(
              `${name}-${key(o)}`,
              { metadata: objectMeta(o), spec: workloadSpec<k8s.types.input.apps.v1.DeploymentSpec>(o, version) },
              workloadOpts,
            )
          : new k8s.apps.v1.StatefulSet(
              `${name}-${key(o)}`,
              { metadata: objectMeta(o), spec: workloadSpec<k8s.types.input.apps.v1.StatefulSetSpec>(o, version) },
              workloadOpts,
            );
    }
    this.workloads = workloads;
    this.podOf = Object.fromEntries(manifests.pods.flatMap((p) => p.containers.map((c) => [c.name, p.name])));
    const address = args.nodeAddress ?? CLUSTER_NETWORK.bridgeAddress;
    this.frontDoorUrls = pulumi
      .all(manifests.frontDoors.map((d) => workloads[d.pod]!.metadata.name.apply(() => [d.name, `http://${address}:${d.hostPort}`] as const)))
      .apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({ namespace: this.namespace, frontDoorUrls: this.frontDoorUrls });
  }
}

/** The longest wait a pod's health checks call for (as MeshStack waits for each container on Docker); 5 minutes without any. */
export function podWaitSeconds(pod: PlannedPod): number {
  const waits = pod.containers.flatMap((c) => (c.healthCheck ? [waitTimeoutSeconds(c.healthCheck)] : []));
  return waits.length ? Math.max(...waits) : 300;
}

/** The workload of pod `name`, which `from` depends on and the plan's start order lists first. */
function workloadBefore(workloads: Record<string, pulumi.Resource>, name: string, from: string, parent: pulumi.Resource): pulumi.Resource {
  const w = workloads[name];
  if (!w)
    throw new pulumi.ResourceError(`pod ${from} depends on pod ${name}, which is not defined before it (the plan lists containers in start order)`, parent);
  return w;
}

function key(o: KubeObject): string {
  return `${o.kind.toLowerCase()}/${o.metadata.name}`;
}

/** The alias Services whose selector matches the pod (they hold its names). */
function aliasServicesOf(m: KubernetesManifests, pod: PlannedPod): ServiceObject[] {
  const aliases = new Set(pod.containers[0]!.networkAliases);
  return m.objects.filter((o): o is ServiceObject => o.kind === "Service" && o.spec.clusterIP === "None" && aliases.has(o.metadata.name));
}

/*
 * The manifests are readonly plain data; @pulumi/kubernetes' input types are mutable. A JSON
 * round trip gives it a mutable copy of the same data (it holds nothing but JSON values).
 */
function mutable<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function objectMeta(o: KubeObject): k8s.types.input.meta.v1.ObjectMeta {
  return mutable(o.metadata);
}

function secretArgs(o: SecretObject, values: pulumi.Output<SecretValues>): k8s.core.v1.SecretArgs {
  return { metadata: objectMeta(o), type: o.type, stringData: pulumi.secret(values.apply((v) => resolvedStringData(o, v))) };
}

function serviceArgs(o: ServiceObject): k8s.core.v1.ServiceArgs {
  return { metadata: objectMeta(o), spec: mutable(o.spec) };
}

function workloadSpec<T>(o: WorkloadObject, secretVersion: pulumi.Output<string> | undefined): T {
  const spec = mutable<{ template: { metadata: { annotations: Record<string, pulumi.Input<string>> } } }>(o.spec);
  if (secretVersion) spec.template.metadata.annotations["io.meshwright.secret-version"] = secretVersion;
  return spec as T;
}
