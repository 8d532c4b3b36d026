// Two projects: `unit` needs nothing but Node; `e2e` drives real containers and
// runs one file at a time (`--runInBand` in package.json) because the machine has two cores.
// ts-jest transpiles file by file (tsconfig has isolatedModules); `npm run typecheck` checks types.
const transform = { "^.+\\.ts$": "ts-jest" };

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
      setupFilesAfterEnv: ["<rootDir>/test/e2e/setup.ts"],
    },
  ],
};
