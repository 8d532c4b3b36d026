import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REAPER_SRC, reaperSourceHash } from "../artifacts/reaper-binary";
import { WORKLOAD_SRC, workloadSourceHash } from "../artifacts/workload-binary";
import { POSTGRES_ENTRYPOINT } from "../recipes/postgres";
import { COMPONENTS, IMAGE_TAGS, type ImageName } from "../components";
import { dockerfileText, imageFolder, OFFLINE_DIR } from "../context-dir";
import { FINGERPRINT_LABEL } from "../docker";
import type { ImageRecipe } from "../recipe";
import { run } from "../../shell";
import { packagePath } from "../../package-root";

/** Folder of the official source's Dockerfiles, one folder per image. */
const OFFICIAL_DIR = packagePath("toolchain", "images", "official");

/** Images built from this repository's own Go sources: their source hash is part of the fingerprint. */
const SOURCE_HASHES: Partial<Record<ImageName, () => string>> = {
  workload: workloadSourceHash,
  reaper: reaperSourceHash,
  postgres: () => readFileSync(POSTGRES_ENTRYPOINT, "utf8"),
};

/**
 * For machines that reach the vendors' registries: the same tags, built as multi-stage
 * images from the official ones. The offline source is the default and the one CI runs.
 */
function officialRecipe(name: ImageName, buildArgs: Record<string, string>, context = OFFICIAL_DIR): ImageRecipe {
  return {
    name,
    tag: IMAGE_TAGS[name],
    version: `${name} (official images)`,
    needs: name === "base" || name === "keycloak" || name === "keycloakEmbedded" || name === "postgres" ? [] : ["base"],
    async fingerprintInputs() {
      const sourceHash = SOURCE_HASHES[name];
      return ["official", JSON.stringify(buildArgs), dockerfileText(name, OFFICIAL_DIR), ...(sourceHash ? [sourceHash()] : [])];
    },
    async build(ctx, fingerprint) {
      const args = Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
      await ctx.step(`docker build ${IMAGE_TAGS[name]} from official images`, () =>
        run(
          "docker",
          [
            "build",
            ...args,
            "--label",
            `${FINGERPRINT_LABEL}=${fingerprint}`,
            "-f",
            join(OFFICIAL_DIR, imageFolder(name), "Dockerfile"),
            "-t",
            IMAGE_TAGS[name],
            context,
          ],
          { log: ctx.log },
        ),
      );
    },
  };
}

export const OFFICIAL_RECIPES: readonly ImageRecipe[] = [
  officialRecipe("base", {}),
  officialRecipe("reaper", {}, REAPER_SRC),
  officialRecipe("consul", { CONSUL_VERSION: COMPONENTS.consul }),
  officialRecipe("sidecar", { CONSUL_VERSION: COMPONENTS.consul, ENVOY_VERSION: COMPONENTS.envoy }),
  officialRecipe("workload", {}, WORKLOAD_SRC),
  officialRecipe("prometheus", { PROMETHEUS_VERSION: COMPONENTS.prometheus }),
  officialRecipe("postgres", { POSTGRES_VERSION: COMPONENTS.postgres }, join(OFFLINE_DIR, "postgres")),
  officialRecipe("keycloak", { KEYCLOAK_VERSION: COMPONENTS.keycloak }),
  officialRecipe("keycloakEmbedded", { KEYCLOAK_VERSION: COMPONENTS.keycloak }),
  officialRecipe("zipkin", { ZIPKIN_VERSION: COMPONENTS.zipkin }),
  officialRecipe("fortio", { FORTIO_VERSION: COMPONENTS.fortio }),
];
