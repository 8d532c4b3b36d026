import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { compile, type ImageSet, type Mesh, type MeshPlan } from "../sdk";
import { containerArgs, STACK_LABEL } from "./container-args";
import { imageFor } from "./images";
import { DEFAULT_PORTS, endpoints, endpointUrls, type PublishedPorts } from "./ports";
import { containerSecrets } from "./secrets";

export { DEFAULT_PORTS, type PublishedPorts } from "./ports";
export { containerArgs, STACK_LABEL } from "./container-args";

/** Settings of a {@link MeshStack} besides what to realize. */
export interface MeshStackOptions {
  /**
   * Image overrides by kind, applied on top of the plan's images (e.g. from stack config).
   * @default the plan's images (the SDK's `DEFAULT_IMAGES` unless the mesh set others)
   */
  readonly images?: Partial<ImageSet>;
  /** Host ports of the mesh's front doors; `false` leaves one unpublished. @default {@link DEFAULT_PORTS} */
  readonly ports?: Partial<PublishedPorts>;
  /** Host address the published ports bind to. @default "127.0.0.1" */
  readonly publishAddress?: string;
  /**
   * Prefix of every Docker container name; plan names stay the network aliases, so the mesh
   * sees the same names either way.
   * @default `${plan.mesh.name}-`
   */
  readonly namePrefix?: string;
  /** Docker network name. @default `${namePrefix}${plan.network.name}` */
  readonly networkName?: string;
  /**
   * Seconds `pulumi up` waits for each container with a health check to become healthy
   * before failing the update.
   * @default derived from each health check: start period + retries × interval + 30 s
   */
  readonly waitTimeoutSeconds?: number;
}

/** What a {@link MeshStack} realizes: a mesh (compiled here) or an already compiled plan. */
export type MeshStackArgs = MeshStackOptions &
  (
    | {
        /** The mesh to realize; compiled (and validated) with the SDK. */
        readonly mesh: Mesh;
        readonly plan?: never;
      }
    | {
        /** A plan from `compile(mesh)`, realized as it is. */
        readonly plan: MeshPlan;
        readonly mesh?: never;
      }
  );

/**
 * A service mesh on Docker: one network and one container per plan container, as
 * `compile(mesh)` describes them. App and sidecar containers share their node container's
 * network namespace; containers with a health check must become healthy for `pulumi up`
 * to succeed; client secrets and the Keycloak admin password are Pulumi secrets.
 *
 * An invalid mesh throws the SDK's `MeshValidationError` (every issue, with its path) before
 * any resource is registered.
 */
export class MeshStack extends pulumi.ComponentResource {
  /** The plan this stack realizes. */
  readonly plan: MeshPlan;
  /** The mesh network. */
  readonly network: docker.Network;
  /** Containers by plan container name. */
  readonly containers: Readonly<Record<string, docker.Container>>;
  /** Consul HTTP API and UI on the host; undefined when not published. */
  readonly consulUrl: pulumi.Output<string | undefined>;
  /** Keycloak on the host; undefined when not published or the mesh has no identity. */
  readonly keycloakUrl: pulumi.Output<string | undefined>;
  /** The first ingress listener on the host; undefined when not published or no ingress. */
  readonly ingressUrl: pulumi.Output<string | undefined>;
  /** Prometheus on the host; undefined when not published or metrics are off. */
  readonly prometheusUrl: pulumi.Output<string | undefined>;
  /** Keycloak's admin account (the password is a secret); undefined without identity. */
  readonly keycloakAdmin: pulumi.Output<{ username: string; password: string } | undefined>;
  /** Mesh-network address of every instance, by service and instance id. */
  readonly serviceAddresses: pulumi.Output<Record<string, Record<string, string>>>;
  /** Docker container name of every plan container, by plan name (what the harness's `attachMesh` takes). */
  readonly dockerNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: MeshStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Compile before registering anything: an invalid mesh leaves no resource behind.
    const plan = args.plan ?? compile(args.mesh);
    super("meshwright:infra:MeshStack", name, {}, opts);
    this.plan = plan;

    const prefix = args.namePrefix ?? `${plan.mesh.name}-`;
    const publishAddress = args.publishAddress ?? "127.0.0.1";
    const fronts = endpoints(plan, { ...DEFAULT_PORTS, ...args.ports });
    const secretsOf = containerSecrets(plan);

    this.network = new docker.Network(
      `${name}-network`,
      { name: args.networkName ?? `${prefix}${plan.network.name}`, labels: [{ label: STACK_LABEL, value: name }] },
      { parent: this },
    );

    const containers: Record<string, docker.Container> = {};
    plan.containers.forEach((spec, index) => {
      const namespace = spec.networkMode ? containers[spec.networkMode.container] : undefined;
      containers[spec.name] = new docker.Container(
        `${name}-${spec.name}`,
        containerArgs(spec, {
          dockerName: `${prefix}${spec.name}`,
          image: imageFor(spec.role, spec.image, args.images),
          network: this.network.name,
          ...(namespace ? { namespaceOf: namespace.id } : {}),
          secrets: secretsOf(index),
          publish: fronts.filter((f) => f.container === spec.name),
          publishAddress,
          stack: name,
          ...(args.waitTimeoutSeconds !== undefined ? { waitTimeoutSeconds: args.waitTimeoutSeconds } : {}),
        }),
        { parent: this, dependsOn: [this.network, ...spec.dependsOn.map((d) => mustGet(containers, d, spec.name))] },
      );
    });
    this.containers = containers;

    const urls = endpointUrls(fronts, publishAddress);
    const when = (container: string | undefined, value: string | undefined) =>
      container && containers[container] ? containers[container].id.apply(() => value) : pulumi.output(value);
    this.consulUrl = when(plan.consul.server.container, urls.consul);
    this.keycloakUrl = when(fronts.find((f) => f.name === "keycloak")?.container, urls.keycloak);
    this.ingressUrl = when(fronts.find((f) => f.name === "ingress")?.container, urls.ingress);
    this.prometheusUrl = when(fronts.find((f) => f.name === "prometheus")?.container, urls.prometheus);
    this.keycloakAdmin = plan.keycloak ? pulumi.secret({ ...plan.keycloak.admin }) : pulumi.output(undefined);
    this.serviceAddresses = pulumi.output(
      Object.fromEntries(
        plan.services.map((s) => [
          s.name,
          pulumi.output(Object.fromEntries(s.instances.map((i) => [i.id, mustGet(containers, i.node, s.name).networkDatas.apply((n) => n[0]?.ipAddress ?? "")]))),
        ]),
      ),
    );

    this.dockerNames = pulumi.output(Object.fromEntries(Object.entries(containers).map(([planName, c]) => [planName, c.name])));

    this.registerOutputs({
      consulUrl: this.consulUrl,
      keycloakUrl: this.keycloakUrl,
      ingressUrl: this.ingressUrl,
      prometheusUrl: this.prometheusUrl,
      keycloakAdmin: this.keycloakAdmin,
      serviceAddresses: this.serviceAddresses,
      dockerNames: this.dockerNames,
    });
  }
}

function mustGet(containers: Record<string, docker.Container>, name: string, from: string): docker.Container {
  const c = containers[name];
  if (!c) throw new Error(`plan container ${from} depends on ${name}, which is not defined before it (the plan lists containers in start order)`);
  return c;
}
