import { resolve } from "node:path";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { goSourceHash, localGoBinary, type LocalGoProgram } from "./local-go-binary";

/** Source folder of the test workload (a Go program, standard library only). */
export const WORKLOAD_SRC = resolve(__dirname, "..", "..", "..", "workload");

const WORKLOAD: LocalGoProgram = { name: "workload", version: COMPONENTS.workload, dir: WORKLOAD_SRC };

/** Hash of the workload's Go sources: a changed source makes a new binary and image. */
export function workloadSourceHash(): string {
  return goSourceHash(WORKLOAD);
}

/** Builds the workload with Go (cached by source hash) and returns the binary's path. */
export function workloadBinary(ctx: StepContext): Promise<string> {
  return localGoBinary(ctx, WORKLOAD);
}
