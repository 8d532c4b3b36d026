import { sep } from "node:path";
import { packageRoot } from "./package-root";

/**
 * How a user runs a meshwright command here, for help texts and fixes: `npx meshwright X` where
 * meshwright is an installed package, `npm run meshwright -- X` in meshwright's own repository
 * (where `npx meshwright` would look for the package elsewhere).
 */
export function command(args: string): string {
  return installed() ? `npx meshwright ${args}` : `npm run meshwright -- ${args}`;
}

/** Whether this copy of meshwright runs from a node_modules folder. */
export function installed(): boolean {
  return packageRoot().split(sep).includes("node_modules");
}
