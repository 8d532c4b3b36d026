import type { ContainerRole, ImageSet } from "../sdk";

/** The image of {@link ImageSet} each container role runs. */
export const IMAGE_OF_ROLE: Readonly<Record<ContainerRole, keyof ImageSet>> = {
  "consul-server": "consul",
  node: "consul",
  app: "workload",
  sidecar: "sidecar",
  ingress: "sidecar",
  keycloak: "keycloak",
  prometheus: "prometheus",
  zipkin: "zipkin",
};

/** The plan's image for a container, unless `overrides` names one for its role. */
export function imageFor(role: ContainerRole, planImage: string, overrides: Partial<ImageSet> = {}): string {
  return overrides[IMAGE_OF_ROLE[role]] ?? planImage;
}
