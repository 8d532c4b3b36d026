// typescript-eslint's type-checked recommended rules over the TypeScript sources.
// `npm run lint` runs it over the whole repository, with prettier --check.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "docs/api/", "node_modules/", "bench/results/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Non-null assertions after a length or find check are this codebase's idiom (noUncheckedIndexedAccess is on).
      "@typescript-eslint/no-non-null-assertion": "off",
      // `${n}` of numbers and booleans in messages is intended; objects still fail.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // Unused names prefixed with _ are deliberate (destructuring, callbacks of a fixed shape).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Methods are async to fit Promise-returning interfaces (image recipes, Pulumi providers,
      // testcontainers hooks) whether or not this implementation awaits anything.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests poke at parsed JSON (Consul, Keycloak, Docker answers) on purpose; asserting a type
    // there first would only restate the expectation. The no-unsafe-* family is off in tests only.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      // ...and stringify what they got, whatever it is, into failure messages; fakes stand in
      // for untyped JSON; jest.isolateModules needs require(); jest's mocks are unbound.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
