import { IMAGE_TAGS } from "../../../toolchain/images/components";

// The harness points testcontainers at meshwright's reaper image when it loads, unless the
// user chose one or disabled the reaper. Each case loads the modules afresh with its own env.
const saved = { ...process.env };
afterEach(() => {
  for (const k of ["RYUK_CONTAINER_IMAGE", "TESTCONTAINERS_RYUK_DISABLED"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function load(env: Record<string, string | undefined>): typeof import("../../../harness/realize/reaper") {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let mod!: typeof import("../../../harness/realize/reaper");
  jest.isolateModules(() => {
    mod = require("../../../harness/realize/reaper");
  });
  return mod;
}

describe("testcontainers' reaper image", () => {
  it("is meshwright's reaper once the harness has loaded", () => {
    const { reaperImages } = load({ RYUK_CONTAINER_IMAGE: undefined, TESTCONTAINERS_RYUK_DISABLED: undefined });
    expect(process.env.RYUK_CONTAINER_IMAGE).toBe(IMAGE_TAGS.reaper);
    expect(reaperImages()).toEqual([IMAGE_TAGS.reaper]);
  });

  it("replaces an empty value, which testcontainers would read as its registry default", () => {
    load({ RYUK_CONTAINER_IMAGE: "" });
    expect(process.env.RYUK_CONTAINER_IMAGE).toBe(IMAGE_TAGS.reaper);
  });

  it("is the user's when they chose one, and then not required locally", () => {
    const { reaperImages } = load({ RYUK_CONTAINER_IMAGE: "example.org/my/ryuk:1" });
    expect(process.env.RYUK_CONTAINER_IMAGE).toBe("example.org/my/ryuk:1");
    expect(reaperImages()).toEqual([]);
  });

  it("is not required when the user disabled the reaper", () => {
    const { reaperImages } = load({ RYUK_CONTAINER_IMAGE: undefined, TESTCONTAINERS_RYUK_DISABLED: "true" });
    expect(reaperImages()).toEqual([]);
  });

  // Pins a fact of testcontainers-node 12 the harness relies on: it reads RYUK_CONTAINER_IMAGE
  // when it needs it, not when it is imported, so the harness may set it after testcontainers
  // loaded. If an upgrade reads it at import time, this fails (then set it before importing).
  it("reaches testcontainers even when testcontainers was imported first", () => {
    delete process.env.RYUK_CONTAINER_IMAGE;
    jest.isolateModules(() => {
      const { GenericContainer } = require("testcontainers") as typeof import("testcontainers");
      const { getReaperImage } = require("testcontainers/build/reaper/reaper") as { getReaperImage(): string };
      expect(getReaperImage()).toBe("testcontainers/ryuk:0.14.0");
      require("../../../harness/realize/reaper");
      expect(getReaperImage()).toBe(IMAGE_TAGS.reaper);
      // testcontainers treats a container of this image as its reaper (auto-removed, no session label).
      const reaper = new GenericContainer(IMAGE_TAGS.reaper) as unknown as { hostConfig: { AutoRemove?: boolean } };
      expect(reaper.hostConfig.AutoRemove).toBe(true);
    });
  });
});
