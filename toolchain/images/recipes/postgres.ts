import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPONENTS } from "../components";
import { OFFLINE_DIR } from "../context-dir";
import { dockerRecipe } from "./docker-recipe";

/** The entrypoint that makes the cluster on the first start; part of the image's fingerprint. */
export const POSTGRES_ENTRYPOINT = join(OFFLINE_DIR, "postgres", "postgres-entrypoint");

/**
 * `meshwright/postgres`: PostgreSQL from Debian's `postgresql-<major>` package on the base
 * image, installed by apt from the Debian archive the base was made from.
 */
export const postgres = dockerRecipe({
  name: "postgres",
  version: `postgresql-${COMPONENTS.postgres} (Debian ${COMPONENTS.debian})`,
  inputs: () => [readFileSync(POSTGRES_ENTRYPOINT, "utf8")],
  // the Dockerfile and the entrypoint are the whole context: apt fetches the rest
  async stage() {},
});
