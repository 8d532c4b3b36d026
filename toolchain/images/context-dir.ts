import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../cache";
import { packagePath } from "../package-root";

/** Folder of the Dockerfiles for the offline source. */
export const OFFLINE_DIR = packagePath("toolchain", "images", "offline");

/** The folder of an image's Dockerfile: its name in kebab case (`keycloakEmbedded` → `keycloak-embedded`). */
export function imageFolder(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Contents of the offline Dockerfile for an image (part of its fingerprint). */
export function dockerfileText(name: string, sourceDir = OFFLINE_DIR): string {
  return readFileSync(join(sourceDir, imageFolder(name), "Dockerfile"), "utf8");
}

/** A fresh, empty build context folder under the cache, holding the image's Dockerfile. */
export function freshContext(name: string, sourceDir = OFFLINE_DIR): string {
  const dir = join(cacheRoot(), "contexts", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(sourceDir, imageFolder(name)), dir, { recursive: true });
  return dir;
}
