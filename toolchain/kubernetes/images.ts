import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { MeshwrightError } from "../errors";
import { buildImage, imageFingerprint } from "../images/docker";
import { command } from "../invocation";
import { capture } from "../shell";
import { readRecord } from "./cluster-record";
import { clusterLayout, nodeLayout } from "./layout";
import { workerNodes } from "./network";
import { clusterBin, clusterStateRoot } from "./paths";
import { CLUSTER_VERSIONS } from "./versions";

/** The cluster's own images, built locally from its binaries: no registry has to serve them. */
export const CLUSTER_IMAGES = {
  /** Every pod's sandbox. */
  pause: `meshwright/pause:${CLUSTER_VERSIONS.pause}`,
  /** The cluster's DNS. */
  coredns: `meshwright/coredns:${CLUSTER_VERSIONS.coredns}`,
} as const;

/**
 * Builds the pause and CoreDNS images where they are missing or their binary changed: each
 * a static binary on `FROM scratch` (nothing to pull), fingerprinted by the binary's hash.
 */
export async function ensureClusterImages(log: string, out: (line: string) => void): Promise<void> {
  for (const [name, tag] of Object.entries(CLUSTER_IMAGES)) {
    const binary = join(clusterBin(), name);
    const fingerprint = createHash("sha256").update(readFileSync(binary)).digest("hex").slice(0, 16);
    if ((await imageFingerprint(tag)) === fingerprint) continue;
    const dir = join(cacheRoot(), "contexts", `cluster-${name}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(binary, join(dir, name));
    writeFileSync(join(dir, "Dockerfile"), `FROM scratch\nCOPY ${name} /${name}\nENTRYPOINT ["/${name}"]\n`);
    out(`cluster: building image ${tag}`);
    await buildImage(dir, tag, fingerprint, log);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The cluster is not running, so there is no containerd to import into. */
export class ClusterNotRunningError extends MeshwrightError {
  override readonly name: string = "ClusterNotRunningError";
}

/**
 * Moves local Docker images into the cluster's containerd, every node's (`docker save IMAGE |
 * ctr -n k8s.io images import -`), where pods find them by the same tag (`meshwright/workload:0.5.0` is
 * `docker.io/meshwright/workload:0.5.0` to both). An image containerd already holds with the
 * same image id is skipped, so a realizer may call this before every deployment. Pods must
 * use `imagePullPolicy: IfNotPresent` (the default for a tag other than `latest`) or `Never`:
 * nothing can be pulled.
 *
 * @returns the tags imported now into at least one node (the others were everywhere already).
 */
export async function importImages(tags: readonly string[], stateRoot: string = clusterStateRoot()): Promise<string[]> {
  const l = clusterLayout(stateRoot);
  const sockets = [
    l.containerdSocket,
    ...workerNodes(readRecord(l).nodes)
      .map((w) => nodeLayout(l, w.label).containerdSocket)
      .filter((s) => existsSync(s)),
  ];
  const ids = new Map<string, string>();
  for (const tag of tags) {
    const id = await capture("docker", ["image", "inspect", "--format", "{{.Id}}", tag]);
    if (id.code !== 0)
      throw new MeshwrightError(`the image ${tag} is not in the local Docker engine`, { fix: `build it first (${command("images")} builds meshwright's own)` });
    ids.set(tag, id.stdout.trim());
  }
  const imported = new Set<string>();
  for (const socket of sockets) {
    const present = await containerdImageIds(socket);
    for (const tag of tags) {
      if (present.get(normalizedTag(tag)) === ids.get(tag)) continue;
      await pipe(["docker", "save", tag], [join(clusterBin(), "ctr"), "--address", socket, "--namespace", "k8s.io", "images", "import", "-"]);
      imported.add(tag);
    }
  }
  return tags.filter((t) => imported.has(t));
}

/** A Docker short name as containerd and the kubelet spell it (`nginx:1` → `docker.io/library/nginx:1`). Pure. */
export function normalizedTag(tag: string): string {
  const withTag = /:[^/]+$/.test(tag) ? tag : `${tag}:latest`;
  const first = withTag.split("/")[0]!;
  if (withTag.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return withTag;
  return withTag.includes("/") ? `docker.io/${withTag}` : `docker.io/library/${withTag}`;
}

/** Image ids by tag in the cluster's containerd (through the CRI, as the kubelet sees them). */
async function containerdImageIds(socket: string): Promise<Map<string, string>> {
  if (!existsSync(socket)) throw new ClusterNotRunningError(`no local cluster is up (no containerd socket at ${socket})`, { fix: command("cluster up") });
  const r = await capture(join(clusterBin(), "crictl"), [
    "--runtime-endpoint",
    `unix://${socket}`,
    "--image-endpoint",
    `unix://${socket}`,
    "images",
    "-o",
    "json",
  ]);
  if (r.code !== 0)
    throw new ClusterNotRunningError(`the local cluster's containerd does not answer (${r.stderr.trim().split("\n").pop() ?? "no output"})`, {
      fix: command("cluster up"),
    });
  const images = (JSON.parse(r.stdout) as { images?: { id: string; repoTags?: string[] }[] }).images ?? [];
  return new Map(images.flatMap((i) => (i.repoTags ?? []).map((t) => [t, i.id] as const)));
}

/** Runs `a | b`; rejects with both commands' last error line when either fails. */
function pipe(a: readonly string[], b: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const left = spawn(a[0]!, a.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const right = spawn(b[0]!, b.slice(1), { stdio: ["pipe", "ignore", "pipe"] });
    left.stdout.pipe(right.stdin);
    let errors = "";
    left.stderr.on("data", (c: Buffer) => (errors += c.toString()));
    right.stderr.on("data", (c: Buffer) => (errors += c.toString()));
    const codes: (number | null)[] = [];
    const done = (code: number | null) => {
      codes.push(code);
      if (codes.length < 2) return;
      if (codes.every((c) => c === 0)) resolve();
      else reject(new MeshwrightError(`${a.join(" ")} | ${b.slice(-4).join(" ")} failed: ${errors.trim().split("\n").pop() ?? `exit ${codes.join(", ")}`}`));
    };
    left.on("close", done);
    right.on("close", done);
    left.on("error", reject);
    right.on("error", reject);
  });
}
