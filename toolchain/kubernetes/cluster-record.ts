import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterLayout } from "./layout";

/** What `up` notes about the cluster it started, for `status`, `down` and the next `up`. */
export interface ClusterRecord {
  /** How many nodes it has (1, or 2 with a worker in its own network namespace). */
  readonly nodes: number;
}

/** Writes the record into the state folder. */
export function writeRecord(l: ClusterLayout, r: ClusterRecord): void {
  writeFileSync(join(l.root, "cluster.json"), `${JSON.stringify(r)}\n`);
}

/** The record of the cluster in the state folder; one node when there is none. */
export function readRecord(l: ClusterLayout): ClusterRecord {
  const file = join(l.root, "cluster.json");
  if (!existsSync(file)) return { nodes: 1 };
  return { nodes: 1, ...(JSON.parse(readFileSync(file, "utf8")) as Partial<ClusterRecord>) };
}
