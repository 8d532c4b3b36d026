import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const FIXTURES = join(__dirname, "..", "fixtures");

/**
 * Compare `value` with the JSON file `test/fixtures/<name>.json`. Run with
 * `UPDATE_GOLDEN=1` to (re)write the file after a deliberate change, then review the diff.
 */
export function expectGolden(name: string, value: unknown): void {
  const file = join(FIXTURES, `${name}.json`);
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(file)) {
    if (process.env["CI"] === "true" && !existsSync(file))
      throw new Error(`golden file ${file} is missing; run UPDATE_GOLDEN=1 npm run test:unit and commit it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
