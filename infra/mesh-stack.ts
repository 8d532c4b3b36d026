import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { compile, planWeaknesses, type ImageSet, type Mesh, type MeshPlan } from "../sdk";
import { appImage } from "./builds";
import { builtImageName } from "../toolchain/build-context";
import { consulObjects } from "./consul/objects";
import type { ConsulConfigEntry, ConsulPolicy, ConsulToken, ConsulAccess } from "./consul/resources";
import { containerArgs, STACK_LABEL } from "./container-args";
import { localEngineHasStartInterval } from "./healthcheck";
import { ImagesMissingError, localImageExists, missingImages, plannedImage } from "./images";
import { DEFAULT_PORTS, endpoints, endpointUrls, type PublishedPorts } from "./ports";
import { MeshSecrets } from "./secrets/mesh-secrets";
import { checkSecrets, mergeSecretValues, secretsReferencedBy, type SecretValues } from "./secrets/references";
import { InsecurePlanError } from "./insecure-plan";

export { DEFAULT_PORTS, type PublishedPorts } from "./ports";
export { containerArgs, STACK_LABEL } from "./container-args";
export { SecretsNotSuppliedError } from "./secrets/references";
export { ImagesMissingError } from "./images";
export { BuildContextError } from "./builds";

/** Settings of a {@link MeshStack} besides what to realize. */
export interface MeshStackOptions {
  /**
   * Image overrides by kind, applied on top of the plan's images (e.g. from stack config), for
   * the platform containers, workload apps and probes; never for a service's own image.
   * @default the plan's images (the SDK's `DEFAULT_IMAGES` unless the mesh set others)
   */
  readonly images?: Partial<ImageSet>;
  /**
   * Realize a plan that trusts its containers (ACLs off or allowing by default, gossip not
   * encrypted, RPC without TLS: see the SDK's `planWeaknesses`). A plan `compile` makes has none
   * of these; without this option MeshStack refuses a plan that does.
   * For local experiments only. @default false
   */
  readonly unsafeAllowInsecurePlan?: boolean;
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
  /**
   * Secret values by plan secret name (`plan.secrets`). Required for every `supplied` secret
   * (a missing one fails `pulumi preview`, naming it and its purpose); a value given for a
   * generated secret replaces the generated one (TLS parts as `NAME#cert`, `NAME#key`).
   * Every other secret is generated once per stack and kept in its state.
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Folder relative build contexts (`plan.builds`) are resolved against. @default process.cwd() */
  readonly buildDir?: string;
  /**
   * Check, before anything is registered (so `pulumi preview` fails too), that every image the
   * mesh runs and does not build is on the Docker engine; else throw `ImagesMissingError`
   * naming each missing one and how to get it. `false` skips the check; a function answers
   * for the engine (tests).
   * @default true: asks the local Docker engine (`docker image inspect`)
   */
  readonly checkImages?: boolean | ((image: string) => boolean);
  /**
   * Whether the Docker engine honours a health check's start interval (Docker 25+, Engine API
   * 1.44). With it, containers are checked every 0.5 s while they start and every 30 s after;
   * without it, every 2 s throughout (each check is an exec that costs the host CPU).
   * @default asks the local Docker engine (`docker version`)
   */
  readonly engineHasStartInterval?: boolean;
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
 * `compile(mesh)` describes them, with
 * - the plan's secrets generated once per stack (or supplied) and kept as Pulumi secrets; every
 *   env value and file that references one is a secret;
 * - Consul's ACL policies, ACL tokens and config entries written through its HTTP API once the
 *   server is healthy, and put back on every `pulumi up` when changed outside Pulumi; agents
 *   and sidecars start only after their token exists;
 * - app images built from their Dockerfiles, tagged by a hash of their context.
 *
 * App and sidecar containers share their node container's network namespace; containers with
 * a health check must become healthy for `pulumi up` to succeed.
 *
 * Pulumi must reach Consul's HTTP API: on the published port (127.0.0.1:8500 by default), or,
 * with `ports.consul: false`, on the server container's address on the Docker bridge network.
 *
 * Before any resource is registered, an invalid mesh throws the SDK's `MeshValidationError`
 * (every issue, with its path), a missing supplied secret `SecretsNotSuppliedError`, a
 * missing build context `BuildContextError`, and an image that is not on the engine
 * `ImagesMissingError`, each naming what to do.
 */
export { InsecurePlanError };

export class MeshStack extends pulumi.ComponentResource {
  /** The plan this stack realizes. */
  readonly plan: MeshPlan;
  /** The mesh network. */
  readonly network: docker.Network;
  /** Containers by plan container name. */
  readonly containers: Readonly<Record<string, docker.Container>>;
  /** Built app images by build name (`plan.builds`). */
  readonly images: Readonly<Record<string, docker.RemoteImage>>;
  /** Consul config entries, ACL policies and tokens by subject (`service-intentions/web`, `acl-policy/x`, `acl-token/<secret>`). */
  readonly consulObjects: Readonly<Record<string, ConsulConfigEntry | ConsulPolicy | ConsulToken>>;
  /** Consul HTTP API and UI on the host; undefined when not published. */
  readonly consulUrl: pulumi.Output<string | undefined>;
  /** Keycloak on the host; undefined when not published or the mesh has no identity. */
  readonly keycloakUrl: pulumi.Output<string | undefined>;
  /** The first ingress listener on the host; undefined when not published or no ingress. */
  readonly ingressUrl: pulumi.Output<string | undefined>;
  /** Prometheus on the host; undefined when not published or metrics are off. */
  readonly prometheusUrl: pulumi.Output<string | undefined>;
  /** Keycloak's admin account (a secret); undefined without identity. */
  readonly keycloakAdmin: pulumi.Output<{ username: string; password: string } | undefined>;
  /** Passwords of the realm's test users by username (a secret); empty without identity. */
  readonly userPasswords: pulumi.Output<Record<string, string>>;
  /**
   * Every secret value of the stack by key (`NAME`, `NAME#cert`, `NAME#key`; a secret): what
   * the harness's `attachMesh` needs to act as the mesh's clients. Read it with
   * `pulumi stack output secretValues --show-secrets`.
   */
  readonly secretValues: pulumi.Output<SecretValues>;
  /** Mesh-network address of every instance, by service and instance id. */
  readonly serviceAddresses: pulumi.Output<Record<string, Record<string, string>>>;
  /** Docker container name of every plan container, by plan name (what the harness's `attachMesh` takes). */
  readonly dockerNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: MeshStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Compile and check before registering anything: an invalid mesh leaves no resource behind.
    const plan = args.plan ?? compile(args.mesh);
    const weaknesses = planWeaknesses(plan);
    if (weaknesses.length && !args.unsafeAllowInsecurePlan) throw new InsecurePlanError(plan.mesh.name, weaknesses);
    checkSecrets(plan, args.secrets);
    const buildDir = args.buildDir ?? process.cwd();
    for (const b of plan.builds) builtImageName(b, buildDir); // a missing context or Dockerfile throws here
    checkImages(plan, args);
    super("meshwright:infra:MeshStack", name, {}, opts);
    this.plan = plan;
    for (const w of plan.warnings) void pulumi.log.warn(`${w.path}: ${w.message} (hint: ${w.hint})`, this);

    const prefix = args.namePrefix ?? `${plan.mesh.name}-`;
    const publishAddress = args.publishAddress ?? "127.0.0.1";
    const fronts = endpoints(plan, { ...DEFAULT_PORTS, ...args.ports });
    const urls = endpointUrls(fronts, publishAddress);
    const dockerName = (planName: string) => `${prefix}${planName}`;

    this.network = new docker.Network(
      `${name}-network`,
      { name: args.networkName ?? `${prefix}${plan.network.name}`, labels: [{ label: STACK_LABEL, value: name }] },
      { parent: this },
    );

    const generated = new MeshSecrets(`${name}-secrets`, { secrets: plan.secrets }, { parent: this });
    const values = mergeSecretValues(generated.values, args.secrets);
    this.secretValues = values;

    const images: Record<string, docker.RemoteImage> = {};
    for (const b of plan.builds) images[b.name] = appImage(`${name}-image-${b.name}`, b, { stack: name, cwd: buildDir }, { parent: this });
    this.images = images;

    const containers: Record<string, docker.Container> = {};
    const consulObjects_: Record<string, ConsulConfigEntry | ConsulPolicy | ConsulToken> = {};
    const tokensBySecret: Record<string, ConsulToken> = {};
    const entries: ConsulConfigEntry[] = [];
    const engineHasStartInterval = args.engineHasStartInterval ?? localEngineHasStartInterval();
    plan.containers.forEach((spec) => {
      const namespace = spec.networkMode ? containers[spec.networkMode.container] : undefined;
      if (spec.networkMode && !namespace)
        throw new pulumi.ResourceError(`plan container ${spec.name} joins ${spec.networkMode.container}, which is not defined before it`, this);
      const build = spec.build !== undefined ? images[spec.build] : undefined;
      if (spec.build !== undefined && !build)
        throw new pulumi.ResourceError(`plan container ${spec.name} runs build ${spec.build}, which plan.builds does not declare`, this);
      const image = build ? build.name : plannedImage(plan, spec, args.images);
      // Servers start together, before any token exists: a leader needs `bootstrap_expect` of
      // them, and the tokens need a leader (their agent token is used once it exists).
      const tokens = spec.role === "consul-server" ? [] : [...secretsReferencedBy(spec)].flatMap((s) => (tokensBySecret[s] ? [tokensBySecret[s]] : []));
      const needsEntries = spec.role === "sidecar" || spec.role === "ingress" ? entries : [];
      // Named volumes: data that outlives its container (replaced by an update), removed on destroy.
      const volumes = (spec.volumes ?? []).map(
        (v) =>
          new docker.Volume(
            `${name}-volume-${v.name}`,
            {
              name: dockerName(v.name),
              labels: [
                { label: STACK_LABEL, value: name },
                { label: "io.meshwright.purpose", value: v.purpose },
              ],
            },
            { parent: this },
          ),
      );
      containers[spec.name] = new docker.Container(
        `${name}-${spec.name}`,
        containerArgs(spec, {
          dockerName: dockerName(spec.name),
          image,
          network: this.network.name,
          ...(namespace ? { namespaceOf: namespace.id } : {}),
          secretValues: values,
          ...(spec.healthOf ? { healthOf: { dockerName: dockerName(spec.healthOf), id: mustGet(containers, spec.healthOf, spec.name, this).id } } : {}),
          publish: fronts.filter((f) => f.container === spec.name),
          publishAddress,
          stack: name,
          ...(args.waitTimeoutSeconds !== undefined ? { waitTimeoutSeconds: args.waitTimeoutSeconds } : {}),
          engineHasStartInterval,
          volumeNames: Object.fromEntries((spec.volumes ?? []).map((v, i) => [v.name, volumes[i]!.name])),
        }),
        {
          parent: this,
          dependsOn: [
            this.network,
            ...volumes,
            ...(build ? [build] : []),
            ...spec.dependsOn.map((d) => mustGet(containers, d, spec.name, this)),
            ...tokens,
            ...needsEntries,
          ],
        },
      );

      if (spec.name !== plan.consul.server.container) return;
      // The server is healthy: its ACL state and config entries come next, before any agent.
      const server = containers[spec.name]!;
      const access: ConsulAccess = {
        address: urls.consul ?? pulumi.interpolate`http://${server.networkDatas.apply((n) => n[0]?.ipAddress ?? "")}:${plan.consul.server.httpPort}`,
        token: values.apply((v) => v[plan.consul.acl.managementToken] ?? ""),
        serverId: server.id,
      };
      const created = consulObjects(name, plan, access, values, server, this);
      Object.assign(consulObjects_, created.all);
      Object.assign(tokensBySecret, created.tokensBySecret);
      entries.push(...created.entries);
    });
    this.containers = containers;
    this.consulObjects = consulObjects_;

    const when = (container: string | undefined, value: string | undefined) =>
      container && containers[container] ? containers[container].id.apply(() => value) : pulumi.output(value);
    this.consulUrl = when(plan.consul.server.container, urls.consul);
    this.keycloakUrl = when(fronts.find((f) => f.name === "keycloak")?.container, urls.keycloak);
    this.ingressUrl = when(fronts.find((f) => f.name === "ingress")?.container, urls.ingress);
    this.prometheusUrl = when(fronts.find((f) => f.name === "prometheus")?.container, urls.prometheus);
    const keycloak = plan.keycloak;
    this.keycloakAdmin = keycloak
      ? pulumi.secret(values.apply((v) => ({ username: keycloak.admin.username, password: v[keycloak.admin.passwordSecret] ?? "" })))
      : pulumi.output(undefined);
    this.userPasswords = pulumi.secret(values.apply((v) => Object.fromEntries((keycloak?.users ?? []).map((u) => [u.username, v[u.passwordSecret] ?? ""]))));
    this.serviceAddresses = pulumi.output(
      Object.fromEntries(
        plan.services.map((s) => [
          s.name,
          pulumi.output(
            Object.fromEntries(s.instances.map((i) => [i.id, mustGet(containers, i.node, s.name, this).networkDatas.apply((n) => n[0]?.ipAddress ?? "")])),
          ),
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
      userPasswords: this.userPasswords,
      secretValues: this.secretValues,
      serviceAddresses: this.serviceAddresses,
      dockerNames: this.dockerNames,
    });
  }
}

/** Throws {@link ImagesMissingError} when an image the plan runs without building it is not on the engine. */
function checkImages(plan: MeshPlan, args: MeshStackOptions): void {
  if (args.checkImages === false) return;
  const exists = typeof args.checkImages === "function" ? args.checkImages : localImageExists;
  const byImage = new Map<string, MeshPlan["containers"][number][]>();
  for (const spec of plan.containers)
    if (spec.build === undefined) {
      const image = plannedImage(plan, spec, args.images);
      byImage.set(image, [...(byImage.get(image) ?? []), spec]);
    }
  const missing = missingImages(plan, byImage, exists);
  if (missing.length) throw new ImagesMissingError(missing);
}

function mustGet(containers: Record<string, docker.Container>, name: string, from: string, parent: pulumi.Resource): docker.Container {
  const c = containers[name];
  // A ResourceError is reported against the MeshStack's URN, so Pulumi's output names the component that failed.
  if (!c)
    throw new pulumi.ResourceError(
      `plan container ${from} depends on ${name}, which is not defined before it (the plan lists containers in start order)`,
      parent,
    );
  return c;
}
