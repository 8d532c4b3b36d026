import { resolve } from "node:path";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { goSourceHash, localGoBinary, type LocalGoProgram } from "./local-go-binary";

/** Source folder of meshwright's reaper (Go, standard library only). */
export const REAPER_SRC = resolve(__dirname, "..", "..", "reaper");

const REAPER: LocalGoProgram = { name: "reaper", version: COMPONENTS.reaper, dir: REAPER_SRC };

/** Hash of the reaper's Go sources: a changed source makes a new binary and image. */
export function reaperSourceHash(): string {
  return goSourceHash(REAPER);
}

/** Builds the reaper with Go (cached by source hash) and returns the binary's path. */
export function reaperBinary(ctx: StepContext): Promise<string> {
  return localGoBinary(ctx, REAPER);
}
