// Projects: `unit` needs nothing but Node; `e2e` drives real containers and
// runs one file at a time (`--runInBand` in package.json) because the machine has two cores.
// ts-jest transpiles file by file (tsconfig has isolatedModules); `npm run typecheck` checks types.
const transform = { "^.+\\.ts$": "ts-jest" };

/** The e2e files that need the local Kubernetes cluster (the `kubernetes` project). */
const KUBERNETES_E2E = ["<rootDir>/test/e2e/cluster.test.ts", "<rootDir>/test/e2e/targets.test.ts"];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/reaper.test.ts", "<rootDir>/test/e2e/engine-restart.test.ts", ...KUBERNETES_E2E],
      setupFilesAfterEnv: ["<rootDir>/test/e2e/setup.ts"],
    },
    // The files that start the local Kubernetes cluster, after the Docker ones: on a cold
    // machine .ci/run builds the cluster and the Kubernetes provider in the background while
    // those run, and this project's global setup waits for that build (test/e2e/kubernetes-builds.ts).
    {
      displayName: "kubernetes",
      testEnvironment: "node",
      transform,
      testMatch: KUBERNETES_E2E,
      globalSetup: "<rootDir>/test/e2e/kubernetes-builds.ts",
      setupFilesAfterEnv: ["<rootDir>/test/e2e/setup.ts"],
    },
    // The reaper test in a jest process of its own: testcontainers processes share one reaper,
    // which sweeps only when all of them have gone, and a jest process that ran other e2e files
    // stays connected to it until it exits (see test/e2e/reaper.test.ts).
    {
      displayName: "reaper",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/e2e/reaper.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/e2e/setup.ts"],
    },
    // The Docker engine restart last, in a process of its own: it drops every connection made
    // through a published port, the testcontainers reaper's among them, which would then sweep
    // the containers of any test still running in that process.
    {
      displayName: "engine",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/e2e/engine-restart.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/e2e/setup.ts"],
    },
  ],
};
