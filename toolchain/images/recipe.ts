import type { ImageName } from "./components";

/** What a recipe may use while it runs: a log file and a way to report progress. */
export interface StepContext {
  /** The log file of this image's build. */
  readonly log: string;
  /** Runs one named step, printing its start, its duration and a heartbeat while it runs. */
  step<T>(title: string, work: () => Promise<T>): Promise<T>;
}

/** How one local image is made. */
export interface ImageRecipe {
  /** Short name, e.g. `consul`. */
  readonly name: ImageName;
  /** Full local tag, e.g. `meshwright/consul:1.16.3`. */
  readonly tag: string;
  /** Component version(s) shown in the summary table. */
  readonly version: string;
  /** Images this one is built FROM (they are built first). */
  readonly needs: readonly ImageName[];
  /** Strings that fully determine the image; hashed into its fingerprint label. */
  fingerprintInputs(): Promise<string[]>;
  /** Fetches inputs (cached), then builds and tags the image. */
  build(ctx: StepContext, fingerprint: string): Promise<void>;
}
