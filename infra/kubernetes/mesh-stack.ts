import * as pulumi from "@pulumi/pulumi";
import { compile, planWeaknesses, type ImageSet, type Mesh, type MeshPlan } from "../../sdk";
import { CLUSTER_NETWORK } from "../../toolchain/kubernetes/network";
import { consulObjects, type ConsulObjects } from "../consul/objects";
import { plannedImage } from "../images";
import { InsecurePlanError } from "../insecure-plan";
import { MeshSecrets } from "../secrets/mesh-secrets";
import { checkSecrets, mergeSecretValues, secretsReferencedBy, type SecretValues } from "../secrets/references";
import { capacityGate, checkCapacityNow } from "./capacity-gate";
import { kubernetesManifests, type KubernetesManifestOptions } from "./manifests";
import { DEFAULT_NODE_PORTS } from "./services";
import { KubernetesMesh } from "./stack";

/** What a {@link KubernetesMeshStack} realizes, and on which cluster. */
export type KubernetesMeshStackArgs = {
  /** The cluster's kubeconfig: a path (e.g. the local cluster's `clusterKubeconfig()`) or its contents. */
  readonly kubeconfig: pulumi.Input<string>;
  /** Namespace of the mesh. @default the mesh's name */
  readonly namespace?: string;
  /** Address the front doors' node ports answer on. @default the local cluster's bridge address */
  readonly nodeAddress?: string;
  /** Image overrides by kind, as on MeshStack. */
  readonly images?: Partial<ImageSet>;
  /** Secret values to supply or replace, as on MeshStack. */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** As on MeshStack: realize a plan that trusts its containers. For local experiments only. @default false */
  readonly unsafeAllowInsecurePlan?: boolean;
  /**
   * Skip the check that the plan fits the cluster. By default the cluster's nodes are read
   * through the kubeconfig before anything is created, in a preview as in an update, and a
   * plan that cannot fit (a pod pinned to a node that is missing, cordoned or not Ready; a pod
   * larger than every node; pods that together outgrow the nodes: see {@link planFit}) fails
   * with every problem in one error. Skip it on a cluster that adds nodes on demand. When the
   * nodes cannot be read (e.g. an exec credential plugin) the check is skipped with a warning.
   * @default false
   */
  readonly skipCapacityCheck?: boolean;
} & Pick<KubernetesManifestOptions, "nodeOf" | "volumeNode" | "volumeRoot" | "restartUnhealthy" | "containerRestartPolicies"> &
  ({ readonly mesh: Mesh; readonly plan?: never } | { readonly plan: MeshPlan; readonly mesh?: never });

/**
 * A service mesh on Kubernetes, as MeshStack is one on Docker: the plan's secrets generated once
 * per stack (or supplied), its objects applied through {@link KubernetesMesh}, and Consul's ACL
 * policies, tokens and config entries written through the Consul server's node port once the
 * server is ready; every other pod waits for the tokens its containers use, and sidecars and
 * gateways for the config entries too, as their containers do on Docker.
 *
 * Images must be on every node (the local cluster: `meshwright cluster import`).
 */
export class KubernetesMeshStack extends pulumi.ComponentResource {
  readonly plan: MeshPlan;
  readonly mesh: KubernetesMesh;
  /** Every secret value of the stack (a secret), as MeshStack's `secretValues`: what `attachKubernetesMesh` needs. */
  readonly secretValues: pulumi.Output<SecretValues>;
  /** Consul's objects by subject, once created. */
  readonly consulObjects: () => Readonly<ConsulObjects["all"]>;

  constructor(name: string, args: KubernetesMeshStackArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = args.plan ?? compile(args.mesh);
    const weaknesses = planWeaknesses(plan);
    if (weaknesses.length && !args.unsafeAllowInsecurePlan) throw new InsecurePlanError(plan.mesh.name, weaknesses);
    checkSecrets(plan, args.secrets);
    const namespace = args.namespace ?? plan.mesh.name;
    // The plan must fit the cluster before anything is created: a kubeconfig given as a string is
    // checked here (a throw registers nothing); one that is an output gates this component's
    // registration, which every child waits for (`dependsOn` flattens arrays and outputs).
    const gate: pulumi.Input<pulumi.Resource[]>[] = [];
    if (!args.skipCapacityCheck) {
      const component = `KubernetesMeshStack ${name}`;
      const manifests = kubernetesManifests(plan, { ...args, namespace, stack: name });
      if (typeof args.kubeconfig === "string") checkCapacityNow(component, manifests, args.kubeconfig);
      else gate.push(capacityGate(component, manifests, args.kubeconfig));
    }
    super(
      "meshwright:infra:KubernetesMeshStack",
      name,
      {},
      gate.length ? { ...opts, dependsOn: [...gate, opts?.dependsOn ?? []] as pulumi.Input<pulumi.Resource>[] } : opts,
    );
    this.plan = plan;
    const generated = new MeshSecrets(`${name}-secrets`, { secrets: plan.secrets }, { parent: this });
    const values = mergeSecretValues(generated.values, args.secrets);
    this.secretValues = values;
    const address = args.nodeAddress ?? CLUSTER_NETWORK.bridgeAddress;
    const firstServer = plan.consul.server.container;
    const consulPort = DEFAULT_NODE_PORTS.consul;
    if (consulPort === false) throw new Error("KubernetesMeshStack needs Consul's node port");

    let consul: ConsulObjects | undefined;
    this.mesh = new KubernetesMesh(
      `${name}-k8s`,
      {
        plan,
        kubeconfig: args.kubeconfig,
        namespace,
        stack: name,
        secretValues: values,
        nodeAddress: address,
        imageOf: (spec) => plannedImage(plan, spec, args.images),
        nodeOf: args.nodeOf,
        volumeNode: args.volumeNode,
        volumeRoot: args.volumeRoot,
        restartUnhealthy: args.restartUnhealthy,
        containerRestartPolicies: args.containerRestartPolicies,
        waitFor: (pod, workloads) => {
          if (pod.containers.some((c) => c.role === "consul-server")) return [];
          const server = workloads[firstServer];
          if (!server) throw new pulumi.ResourceError(`pod ${pod.name} comes before the Consul server ${firstServer} in the plan`, this);
          consul ??= consulObjects(
            name,
            plan,
            { address: `http://${address}:${consulPort}`, token: values.apply((v) => v[plan.consul.acl.managementToken] ?? ""), serverId: server.metadata.uid },
            values,
            server,
            this,
          );
          const tokens = [...new Set(pod.containers.flatMap((c) => [...secretsReferencedBy(c)]))].flatMap((s) => consul!.tokensBySecret[s] ?? []);
          const proxies = pod.containers.some((c) => c.role === "sidecar" || c.role === "ingress");
          return [...tokens, ...(proxies ? consul.entries : [])];
        },
      },
      { parent: this },
    );
    this.consulObjects = () => consul?.all ?? {};
    this.registerOutputs({ secretValues: this.secretValues, frontDoorUrls: this.mesh.frontDoorUrls });
  }
}
