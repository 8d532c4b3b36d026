import { IMAGE_TAGS, type ImageName } from "../../toolchain/images/components";
import { OFFICIAL_RECIPES } from "../../toolchain/images/official";
import { OFFLINE_RECIPES } from "../../toolchain/images/recipes";
import { DEFAULT_IMAGES } from "../../sdk";

// The SDK is pure and cannot import the image builder, so the two lists of tags are kept
// in step by this test: a plan compiled with defaults must name images `npm run images` builds.
describe("default image tags", () => {
  it.each(["consul", "sidecar", "keycloak", "keycloakEmbedded", "postgres", "prometheus", "workload", "zipkin"] as const)(
    "the SDK's default %s image is the one the builder tags",
    (name) => {
      if (process.env.MESHWRIGHT_ENVOY_VERSION && name === "sidecar") return; // a deliberate matrix run
      expect(DEFAULT_IMAGES[name]).toBe(IMAGE_TAGS[name]);
    },
  );

  it.each([
    ["offline", OFFLINE_RECIPES],
    ["official", OFFICIAL_RECIPES],
  ] as const)("every tagged image has one %s recipe, listed after the images it is built from", (_, recipes) => {
    expect(recipes.map((r) => r.name).sort()).toEqual((Object.keys(IMAGE_TAGS) as ImageName[]).sort());
    recipes.forEach((r, i) => {
      expect(r.tag).toBe(IMAGE_TAGS[r.name]);
      for (const need of r.needs) expect(recipes.findIndex((x) => x.name === need)).toBeLessThan(i);
    });
  });
});
