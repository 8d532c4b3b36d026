import { posix } from "node:path";
import type { ContainerSpec } from "../../sdk";
import { literal } from "./files";
import type { Container, Volume, VolumeMount } from "./objects";

/** Where a plan volume's host folder is: one folder per namespace and stack, one below it per volume. */
export function volumeFolder(root: string, namespace: string, stack: string, volume: string): string {
  return posix.join(root, namespace, stack, volume);
}

/** The name of the `index`th volume of the pod's `position`th container. */
function volumeName(position: number, index: number): string {
  return `data-${position}-${index}`;
}

/**
 * A container's plan volumes as host folders (`hostPath`, created when missing) and its mounts.
 *
 * Why host folders: the data must outlive the pod (a Consul server's Raft state, Keycloak's
 * database), as a Docker named volume outlives its container, and the local cluster has no
 * storage provisioner. A PersistentVolumeClaim would need a static local PersistentVolume per
 * volume, whose folder must exist before the pod starts, which nothing in the cluster creates;
 * `DirectoryOrCreate` does. On more than one node the data stays on the node that wrote it, so
 * the pod is pinned there (`volumeNode`). Kubernetes does not remove host folders: whoever
 * destroys the stack removes {@link volumeFolder}`(root, namespace, stack, "")`.
 */
export function hostVolumes(spec: ContainerSpec, position: number, folder: (volume: string) => string): { volumes: Volume[]; mounts: VolumeMount[] } {
  const planned = spec.volumes ?? [];
  return {
    volumes: planned.map((v, i) => ({ name: volumeName(position, i), hostPath: { path: folder(v.name), type: "DirectoryOrCreate" } })),
    mounts: planned.map((v, i) => ({ name: volumeName(position, i), mountPath: v.path })),
  };
}

/** Where the owner init container mounts a container's `index`th volume. */
const STAGING = "/meshwright/volume";

/**
 * An init container that gives each empty host folder the owner and mode of the folder it is
 * mounted over in the image, which Docker does for an empty named volume and Kubernetes does
 * not do for a host folder (the kubelet creates it root-owned, 0755). PostgreSQL runs as
 * `postgres` and refuses a data folder it does not own with mode 0700. It runs the container's
 * own image (the image's folder is the reference), as root with only CHOWN and FOWNER, and
 * needs `sh`, `ls`, `chown` and `chmod` in the image (meshwright's images are Debian).
 */
export function volumeOwnerInit(spec: ContainerSpec, position: number, image: string, name: string): Container | undefined {
  const planned = spec.volumes ?? [];
  if (!planned.length) return undefined;
  const script = planned
    .map(
      (v, i) =>
        `if [ -z "$(ls -A ${STAGING}${i})" ]; then chown --reference=${shellQuote(v.path)} ${STAGING}${i} && chmod --reference=${shellQuote(v.path)} ${STAGING}${i}; fi`,
    )
    .join(" && ");
  return {
    name,
    image,
    imagePullPolicy: "Never",
    command: ["/bin/sh", "-c", literal(script)],
    volumeMounts: planned.map((_, i) => ({ name: volumeName(position, i), mountPath: `${STAGING}${i}` })),
    securityContext: { runAsUser: 0, runAsGroup: 0, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["CHOWN", "FOWNER"] } },
  };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
