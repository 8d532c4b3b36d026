import { IMAGE_TAGS, type ImageName } from "../components";
import { dockerfileText, freshContext } from "../context-dir";
import { buildImage } from "../docker";
import type { ImageRecipe, StepContext } from "../recipe";

/** The parts that differ between images built from an offline Dockerfile. */
export interface DockerRecipeSpec {
  readonly name: ImageName;
  readonly version: string;
  readonly needs?: readonly ImageName[];
  /** Extra strings that determine the image beyond its Dockerfile and versions. */
  readonly inputs?: () => string[];
  /** Fetches inputs (cached) and puts them into the build context folder. */
  readonly stage: (contextDir: string, ctx: StepContext) => Promise<void>;
}

/** A recipe whose image is `docker build` of `offline/<name>/Dockerfile` plus staged inputs. */
export function dockerRecipe(spec: DockerRecipeSpec): ImageRecipe {
  return {
    name: spec.name,
    tag: IMAGE_TAGS[spec.name],
    version: spec.version,
    needs: spec.needs ?? ["base"],
    async fingerprintInputs() {
      return [spec.version, dockerfileText(spec.name), ...(spec.inputs?.() ?? [])];
    },
    async build(ctx, fingerprint) {
      const dir = freshContext(spec.name);
      await spec.stage(dir, ctx);
      await ctx.step(`docker build ${IMAGE_TAGS[spec.name]}`, () => buildImage(dir, IMAGE_TAGS[spec.name], fingerprint, ctx.log));
    },
  };
}
