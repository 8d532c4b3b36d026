import { spawnSync } from "node:child_process";
import type { ContainerRole, ContainerSpec, ImageSet, MeshPlan } from "../sdk";

/** The image of {@link ImageSet} each container role runs (an app of the default workload kind). */
export const IMAGE_OF_ROLE: Readonly<Record<ContainerRole, keyof ImageSet>> = {
  "consul-server": "consul",
  node: "consul",
  app: "workload",
  sidecar: "sidecar",
  probe: "workload",
  ingress: "sidecar",
  // whichever database: an override names an image built for the mesh's `identity.database`
  keycloak: "keycloak",
  postgres: "postgres",
  prometheus: "prometheus",
  zipkin: "zipkin",
};

/** The plan's image for a container, unless `overrides` names one for its role. */
export function imageFor(role: ContainerRole, planImage: string, overrides: Partial<ImageSet> = {}): string {
  return overrides[IMAGE_OF_ROLE[role]] ?? planImage;
}

/**
 * The image a plan container runs, when it is not built: an override by role applies to the
 * platform's images and to workload apps, never to a service's own image.
 */
export function plannedImage(plan: Pick<MeshPlan, "services">, spec: ContainerSpec, overrides: Partial<ImageSet> = {}): string {
  if (spec.role === "app" && spec.service !== undefined && plan.services.find((s) => s.name === spec.service)?.app.kind !== "workload") return spec.image;
  return imageFor(spec.role, spec.image, overrides);
}

/** A container image that is not on the Docker engine, with what runs it and how to get it. */
export interface MissingImage {
  readonly image: string;
  /** Plan containers that run it. */
  readonly containers: readonly string[];
  /** How to get it. */
  readonly fix: string;
}

/** An image is not on the engine; nothing can pull it, so `pulumi up` would fail later. */
export class ImagesMissingError extends Error {
  override readonly name = "ImagesMissingError";
  constructor(readonly missing: readonly MissingImage[]) {
    super(
      [
        `${missing.length === 1 ? "an image is" : `${missing.length} images are`} not on this Docker engine (nothing is pulled from a registry):`,
        ...missing.map((m) => `  - ${m.image}, for ${m.containers.join(", ")}; ${m.fix}`),
      ].join("\n"),
    );
  }
}

/**
 * Which of `images` (image → plan containers running it) are not on the engine, with the fix
 * for each: `npm run images` for meshwright's own, and for a service's image the commands that
 * put it there. Synchronous, so MeshStack can refuse before it registers anything.
 */
export function missingImages(
  plan: Pick<MeshPlan, "services">,
  images: ReadonlyMap<string, readonly ContainerSpec[]>,
  exists: (image: string) => boolean = localImageExists,
): MissingImage[] {
  const missing: MissingImage[] = [];
  for (const [image, specs] of images) {
    if (exists(image)) continue;
    const app = specs.find((s) => s.role === "app" && plan.services.find((x) => x.name === s.service)?.app.kind === "image");
    const fix = app
      ? `service ${app.service} runs its own image: build it (docker build -t ${image} <folder of its Dockerfile>) or load it (docker load -i <file>), or declare the app with a Dockerfile so meshwright builds it`
      : /^meshwright\//.test(image)
        ? "build meshwright's images: npm run images"
        : `put it on the engine first (docker build -t ${image} ..., or docker load)`;
    missing.push({ image, containers: specs.map((s) => s.name), fix });
  }
  return missing;
}

/**
 * Whether an image is on the local Docker engine (`docker image inspect`). When Docker cannot
 * say (no CLI, no engine), the answer is yes: the provider then reports the real problem.
 */
export function localImageExists(image: string): boolean {
  const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { encoding: "utf8", timeout: 30_000 });
  if (r.status === 0) return true;
  return !/no such image/i.test(`${r.stderr ?? ""}`);
}
