/**
 * `npm run engine`: builds the Pulumi engine (CLI + Docker provider) from the Go module proxy
 * into ~/.cache/meshwright/pulumi/<version>/bin, once per version.
 */
import { ImageBuildError } from "../errors";
import { duration } from "../progress";
import { engineLog, ensureEngine } from "./build";
import { engineBin } from "./paths";
import { ENGINE } from "./versions";

const USAGE = `Usage: npm run engine [-- --help]

Builds the Pulumi engine meshwright's \`npm start\` and infra e2e tests use, from the Go module
proxy (no vendor download site needed), into ${engineBin()}:
  pulumi                  the CLI, github.com/pulumi/pulumi/pkg/v3 v${ENGINE.pulumi}
  pulumi-resource-docker  Docker provider for @pulumi/docker ${ENGINE.docker} (Terraform-bridged)
  pulumi-resource-pulumi-nodejs
                          launcher of Node.js dynamic providers (a script; Pulumi's CLI
                          distribution ships one, a CLI built from source does not)
Cold: about 12 minutes on 2 cores (measured 11m56s); cached afterwards. Needs Go 1.25 or newer.
Log: ${engineLog()}
`;

async function main(): Promise<number> {
  if (process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = Date.now();
  try {
    const { built } = await ensureEngine();
    console.log(built.length ? `engine: built ${built.join(", ")} in ${duration(Date.now() - started)} → ${engineBin()}` : `engine: up to date (${engineBin()})`);
    return 0;
  } catch (error) {
    if (error instanceof ImageBuildError) {
      console.error(`engine: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

main().then((code) => process.exit(code));
