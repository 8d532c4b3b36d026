// Two projects: `unit` needs nothing but Node; `e2e` drives real containers and
// runs one file at a time because the machine has two cores.
const transform = { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] };

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
      testTimeout: 300000,
      maxWorkers: 1,
    },
  ],
};
