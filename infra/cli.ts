/**
 * `npm start`, `npm run down`, `npm run preview`, `npm run pulumi -- <args>`: the reference
 * mesh (examples/shop.ts) on the local Docker engine, through a real `pulumi up`.
 */
import { spawnSync } from "node:child_process";
import type * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { buildAll } from "../toolchain/images/build-all";
import { ImageBuildError } from "../toolchain/errors";
import { duration } from "../toolchain/progress";
import { OFFLINE_RECIPES } from "../toolchain/images/recipes";
import { shop } from "../examples/shop";
import { inlineStack, StackUpdateError, upExplained } from "./automation";
import { stackLeftovers } from "./diagnose";
import { ensureEngine } from "../toolchain/engine/build";
import { engineEnv } from "../toolchain/engine/environment";
import { engineBin, stateDir } from "../toolchain/engine/paths";
import { meshProgram, type MeshOutputs } from "./program";

const ROOT = join(__dirname, "..");
const PROJECT = "meshwright";
const STACK = process.env.MESHWRIGHT_STACK ?? "dev";

const HELP = `Usage:
  npm start                  bring the reference mesh (examples/shop.ts) up on local Docker
                             with pulumi up, then print its URLs; a second run changes nothing
  npm run down               destroy it (pulumi destroy); no container or network is left
  npm run preview            show what npm start would change
  npm run pulumi -- ARGS     the Pulumi CLI on the same stack and state, e.g.
                               npm run pulumi -- config set meshwright:keycloakPort 18080
                               npm run pulumi -- stack output keycloakAdmin --show-secrets
                               npm run pulumi -- stack output secretValues --show-secrets

First run: starts Docker where none answers (as npm run docker does, installing Debian's
docker.io if needed), builds the local images (npm run images) and the Pulumi engine
(npm run engine), each cached in ~/.cache/meshwright.
Stack "${STACK}" of project "${PROJECT}" (MESHWRIGHT_STACK picks another), state in
${stateDir()}. Stack config (Pulumi.yaml lists it): consulPort, keycloakPort,
ingressPort, prometheusPort (a port or "off") and <image>Image (e.g. workloadImage).
Secrets (Consul's management token, gossip key and TLS, Keycloak's passwords, client
secrets) are generated on the first run and kept, encrypted, in the stack's state.
`;

async function main(): Promise<number> {
  const [command = "up", ...rest] = process.argv.slice(2);
  if (command === "--help" || command === "-h" || rest.includes("--help") && command !== "pulumi") {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case "up":
      return up();
    case "down":
      return down();
    case "preview":
      return preview();
    case "pulumi":
      return passThrough(rest);
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

/** A Docker engine that answers, started (or installed) by `npm run docker`'s script where none does. */
function ensureDocker(): void {
  const docker = spawnSync("bash", [join(ROOT, "toolchain/ensure-docker.sh")], { stdio: "inherit" });
  if (docker.status !== 0) throw new ImageBuildError("no Docker engine answers", "npm run docker");
}

/** Docker engine, images and Pulumi engine: whatever is missing, with progress. */
async function prepare(): Promise<void> {
  ensureDocker();
  const images = await buildAll(OFFLINE_RECIPES, { out: (l) => (/: cached$/.test(l) ? undefined : console.log(l)) });
  console.log(`images: ${images.filter((i) => i.status === "built").length} built, ${images.filter((i) => i.status === "cached").length} cached`);
  const started = Date.now();
  const { built } = await ensureEngine();
  console.log(built.length ? `engine: built ${built.join(", ")} in ${duration(Date.now() - started)}` : `engine: ready (${engineBin()})`);
}

function stack() {
  return inlineStack({ project: PROJECT, stack: STACK, workDir: ROOT }, async () => meshProgram());
}

async function up(): Promise<number> {
  await prepare();
  const started = Date.now();
  // Refreshed first, so a container or a Consul object changed outside Pulumi is put back too.
  const result = await upExplained(await stack(), shop.name, { onOutput: (out) => process.stdout.write(out), refresh: true });
  for (const r of result.restored) console.log(`restored ${r.subject} ${r.drift} outside Pulumi`);
  const o = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) as PrintedOutputs;
  const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([k]) => k !== "same").map(([k, n]) => `${n} ${k}`);
  console.log(`
${shop.name} is up (${changes.length ? changes.join(", ") : "no changes"}; ${duration(Date.now() - started)}), stack ${PROJECT}/${STACK}
  Consul UI    ${o.consulUrl ?? "(not published)"}${o.consulUrl ? "/ui" : ""}
  Keycloak     ${o.keycloakUrl ?? "(not published)"}   admin password: npm run pulumi -- stack output keycloakAdmin --show-secrets
               test users' passwords: npm run pulumi -- stack output userPasswords --show-secrets
  Prometheus   ${o.prometheusUrl ?? "(not published)"}
  Ingress      ${o.ingressUrl ?? "(not published)"}${o.ingressUrl ? `   try: curl -H 'Host: shop.local' ${o.ingressUrl}/` : ""}
Inside the mesh, a service calls its upstreams through its sidecar, e.g.:
  docker exec ${o.dockerNames?.["user-service-1-app"] ?? "shop-user-service-1-app"} workload get http://127.0.0.1:8080/call/payment-service/
  (403: payment-service admits user-service only with a payments:write token on POST /pay)
Down: npm run down`);
  return 0;
}

/** The outputs of meshProgram as the stack reports them: plain values. */
type PrintedOutputs = Partial<pulumi.Unwrap<MeshOutputs>>;

async function down(): Promise<number> {
  ensureDocker();
  const started = Date.now();
  const result = await (await stack()).destroy({ onOutput: (out) => process.stdout.write(out) });
  const left = await stackLeftovers(shop.name);
  console.log(`\n${shop.name} is down (${result.summary.resourceChanges?.delete ?? 0} deleted in ${duration(Date.now() - started)})${left.length ? `; but these remain: ${left.join(", ")}` : ""}`);
  return left.length ? 1 : 0;
}

async function preview(): Promise<number> {
  await prepare();
  const result = await (await stack()).preview({ diff: true, onOutput: (out) => process.stdout.write(out) });
  const changes = Object.entries(result.changeSummary).filter(([k]) => k !== "same");
  console.log(changes.length ? `\nnpm start would: ${changes.map(([k, n]) => `${k} ${n}`).join(", ")}` : "\nnpm start would change nothing");
  return 0;
}

/** The engine's `pulumi` with the same state backend, passphrase and plugins as npm start. */
function passThrough(args: string[]): number {
  const env = { ...process.env, ...engineEnv() };
  const r = spawnSync(join(engineBin(), "pulumi"), args.length ? args : ["--help"], { stdio: "inherit", cwd: ROOT, env });
  return r.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ImageBuildError) console.error(`\nerror: ${error.message}`);
    else if (error instanceof StackUpdateError) console.error(`\nerror: ${error.message}${/port is already allocated|address already in use/.test(error.message) ? "\n  fix: free that port, or publish elsewhere: npm run pulumi -- config set meshwright:<consul|keycloak|ingress|prometheus>Port <port>" : ""}`);
    else console.error(error);
    process.exit(1);
  },
);
