/**
 * The Kubernetes objects {@link kubernetesManifests} emits, as plain data: only the fields it
 * sets, typed after the Kubernetes API (core/v1, apps/v1). They are what `kubectl apply` and
 * `@pulumi/kubernetes` take, less the secret values (see `SecretObject`).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/
 */

/** Labels and annotations, and every object's metadata. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The namespace the mesh lives in. */
export interface NamespaceObject {
  readonly apiVersion: "v1";
  readonly kind: "Namespace";
  readonly metadata: ObjectMeta;
}

/** One pod's non-secret files, keyed as its volume items name them. */
export interface ConfigMapObject {
  readonly apiVersion: "v1";
  readonly kind: "ConfigMap";
  readonly metadata: ObjectMeta;
  readonly data: Readonly<Record<string, string>>;
}

/**
 * One pod's secret env values and files. `stringData` holds the plan's texts with their
 * `{{secret:…}}` references unresolved: a realizer substitutes the values (see
 * `withSecretValues`), so no secret value is ever part of the manifests.
 */
export interface SecretObject {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly metadata: ObjectMeta;
  readonly type: "Opaque";
  readonly stringData: Readonly<Record<string, string>>;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: "TCP" | "UDP";
  readonly nodePort?: number;
}

/** A headless Service per network alias, or a NodePort Service per front door. */
export interface ServiceObject {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type?: "NodePort";
    readonly clusterIP?: "None";
    readonly publishNotReadyAddresses?: boolean;
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly ServicePort[];
  };
}

export interface ExecProbe {
  readonly exec: { readonly command: readonly string[] };
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold?: number;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: "Never";
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly containerPort: number; readonly protocol: "TCP" | "UDP" }[];
  readonly volumeMounts?: readonly VolumeMount[];
  readonly resources?: { readonly limits: Readonly<Record<string, string>> };
  readonly securityContext?: SecurityContext;
  readonly startupProbe?: ExecProbe;
  readonly readinessProbe?: ExecProbe;
  readonly livenessProbe?: ExecProbe;
  /** Container-level restart policy (Kubernetes 1.35+, or a restartable init container). */
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
}

export interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly items: readonly KeyToPath[] };
  readonly secret?: { readonly secretName: string; readonly items: readonly KeyToPath[] };
  readonly hostPath?: { readonly path: string; readonly type: "DirectoryOrCreate" };
}

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode: number;
}

export interface PodSpec {
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly restartPolicy: "Always";
  readonly enableServiceLinks: false;
  readonly automountServiceAccountToken: false;
  readonly terminationGracePeriodSeconds: number;
  readonly securityContext: { readonly seccompProfile: { readonly type: "RuntimeDefault" }; readonly fsGroup?: number };
  readonly affinity?: {
    readonly nodeAffinity: {
      readonly requiredDuringSchedulingIgnoredDuringExecution: {
        readonly nodeSelectorTerms: readonly {
          readonly matchExpressions: readonly { readonly key: string; readonly operator: "In"; readonly values: readonly string[] }[];
        }[];
      };
    };
  };
  readonly topologySpreadConstraints?: readonly {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule";
    readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
  }[];
}

export interface PodTemplate {
  readonly metadata: { readonly labels: Readonly<Record<string, string>>; readonly annotations: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

/** A pod with no data of its own: an instance, Keycloak, Prometheus, a gateway. */
export interface DeploymentObject {
  readonly apiVersion: "apps/v1";
  readonly kind: "Deployment";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly replicas: 1;
    readonly strategy: { readonly type: "Recreate" };
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: PodTemplate;
  };
}

/** A pod with a volume: a Consul server, PostgreSQL. */
export interface StatefulSetObject {
  readonly apiVersion: "apps/v1";
  readonly kind: "StatefulSet";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly replicas: 1;
    readonly serviceName: string;
    readonly podManagementPolicy: "Parallel";
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: PodTemplate;
  };
}

export type WorkloadObject = DeploymentObject | StatefulSetObject;

/** Every kind of object the manifests hold. */
export type KubeObject = NamespaceObject | ConfigMapObject | SecretObject | ServiceObject | WorkloadObject;
