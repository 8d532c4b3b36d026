/** Where the shared tests (test/e2e/targets.test.ts) run a mesh: Docker through the harness, or the local Kubernetes cluster through pulumi up. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { attachKubernetesMesh } from "../../harness/kubernetes/attach-kubernetes";
import { applyAcl } from "../../harness/realize/consul-acl";
import { startMesh, type StartedMesh } from "../../harness/realize";
import { DEFAULT_VOLUME_ROOT, kubernetesManifests, volumeFolder, withSecretValues } from "../../infra/kubernetes";
import { generateSecretValues } from "../../sdk/secrets/generate";
import { CLUSTER_NETWORK, clusterBin, clusterDown, clusterKubeconfig, clusterUp, importImages } from "../../toolchain/kubernetes";
import type { MeshPlan } from "../../sdk";

/** A place to run the mesh: how it goes up, and how it comes down leaving nothing. */
export interface Target {
  readonly name: string;
  up(): Promise<StartedMesh>;
  down(): Promise<void>;
}

/** Docker, by the harness's `startMesh`; `down` removes every container of the run. */
export function dockerTarget(plan: MeshPlan): Target {
  let started: StartedMesh | undefined;
  return {
    name: "docker",
    up: async () => (started = await startMesh(plan)),
    down: async () => started?.stop(),
  };
}

/**
 * The local cluster (`meshwright cluster up`): the plan's Kubernetes objects applied
 * server-side, Consul's ACL written through its node port as the harness does on Docker, every
 * pod Ready, then attached through the API. `down` deletes the namespace, the volumes' host
 * folders and the cluster.
 */
export function kubernetesTarget(plan: MeshPlan): Target {
  const namespace = "mw-targets";
  const stack = "targets";
  const kubectl = join(clusterBin(), "kubectl");
  const kubeconfig = () => clusterKubeconfig();
  const run = (args: string[], timeoutMs = 120_000) => execFileSync(kubectl, ["--kubeconfig", kubeconfig(), ...args], { encoding: "utf8", timeout: timeoutMs });
  return {
    name: "kubernetes",
    up: async () => {
      await clusterUp({ out: () => undefined });
      await importImages([...new Set(plan.containers.map((c) => c.image))]);
      const values = generateSecretValues(plan.secrets);
      const m = kubernetesManifests(plan, { namespace, stack });
      const file = join(mkdtempSync(join(tmpdir(), "mw-targets-")), "mesh.json");
      writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: withSecretValues(m.objects, values) }), { mode: 0o600 });
      try {
        run(["apply", "--server-side", "-f", file]);
      } finally {
        rmSync(file, { force: true });
      }
      const consul = m.frontDoors.find((d) => d.name === "consul")!;
      await applyAcl(
        plan,
        { url: `http://${CLUSTER_NETWORK.bridgeAddress}:${consul.hostPort}`, token: values[plan.consul.acl.managementToken]! },
        values,
        300_000,
      );
      run(["-n", namespace, "wait", "--for=condition=Ready", "pods", "--all", "--timeout=600s"], 620_000);
      return attachKubernetesMesh(plan, {
        kubectl,
        kubeconfig: kubeconfig(),
        namespace,
        stack,
        secrets: values,
        frontDoors: m.frontDoors,
        nodeHost: CLUSTER_NETWORK.bridgeAddress,
      });
    },
    down: async () => {
      run(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s"], 150_000);
      // Kubernetes leaves host folders behind: the namespace's folder holds every volume of the mesh.
      rmSync(volumeFolder(DEFAULT_VOLUME_ROOT, namespace, "", ""), { recursive: true, force: true });
      for (const folder of [DEFAULT_VOLUME_ROOT, dirname(DEFAULT_VOLUME_ROOT)]) if (existsSync(folder) && !readdirSync(folder).length) rmdirSync(folder);
      await clusterDown();
    },
  };
}
