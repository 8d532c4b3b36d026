import { Worker } from "node:worker_threads";
import { MeshwrightError } from "../../toolchain/errors";
import type { PlotSpec } from "./plots";

/**
 * Runs in a worker thread: compiles each Vega-Lite spec to Vega and renders it headless
 * (`renderer: "none"`, no canvas) to an SVG string. Vega 6 is ES modules only, with top-level
 * await in its graph, so neither `require()` nor jest's module registry (which would need
 * `--experimental-vm-modules`) can load it; a worker's own `import()` can, anywhere.
 */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { pathToFileURL } = require("node:url");
(async () => {
  const vega = await import(pathToFileURL(workerData.vega).href);
  const vegaLite = await import(pathToFileURL(workerData.vegaLite).href);
  const svgs = [];
  for (const spec of workerData.specs) {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none", logLevel: vega.Error });
    svgs.push(await view.toSVG());
    view.finalize();
  }
  parentPort.postMessage(svgs);
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/** Each Vega-Lite spec rendered to an SVG string, in order. Data must be inline: nothing is fetched. */
export async function renderSvgs(specs: readonly PlotSpec[]): Promise<string[]> {
  if (!specs.length) return [];
  let paths: { vega: string; vegaLite: string };
  try {
    paths = { vega: require.resolve("vega"), vegaLite: require.resolve("vega-lite") };
  } catch (error) {
    throw new MeshwrightError("the report's plots need vega and vega-lite, and they are not installed", {
      fix: "npm install meshwright (they are its dependencies)",
      cause: error,
    });
  }
  return new Promise<string[]>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { ...paths, specs } });
    worker.once("message", (m: string[] | { error: string }) => {
      void worker.terminate();
      if (Array.isArray(m)) resolve(m);
      else reject(new MeshwrightError(`rendering the report's plots failed: ${m.error.split("\n")[0]}`, { cause: m.error }));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the plot renderer exited (${code}) before answering`)));
  });
}
