import type { ImageRecipe } from "../recipe";
import { base } from "./base";
import { consul } from "./consul";
import { fortio } from "./fortio";
import { keycloak, keycloakEmbedded } from "./keycloak";
import { postgres } from "./postgres";
import { prometheus } from "./prometheus";
import { reaper } from "./reaper";
import { sidecar } from "./sidecar";
import { workload } from "./workload";
import { zipkin } from "./zipkin";

/** Every offline recipe, in an order where each image comes after the ones it needs. */
export const OFFLINE_RECIPES: readonly ImageRecipe[] = [
  base,
  reaper,
  consul,
  sidecar,
  workload,
  prometheus,
  postgres,
  keycloak,
  keycloakEmbedded,
  zipkin,
  fortio,
];
