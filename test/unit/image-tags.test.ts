import { IMAGE_TAGS } from "../../toolchain/images/components";
import { DEFAULT_IMAGES } from "../../sdk";

// The SDK is pure and cannot import the image builder, so the two lists of tags are kept
// in step by this test: a plan compiled with defaults must name images `npm run images` builds.
describe("default image tags", () => {
  it.each(["consul", "sidecar", "keycloak", "prometheus", "workload"] as const)("the SDK's default %s image is the one the builder tags", (name) => {
    if (process.env.MESHWRIGHT_ENVOY_VERSION && name === "sidecar") return; // a deliberate matrix run
    expect(DEFAULT_IMAGES[name]).toBe(IMAGE_TAGS[name]);
  });
});
