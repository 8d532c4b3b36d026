/**
 * `npm start` / `npm run down`: the reference mesh on local Docker with `pulumi up`.
 * The Pulumi component is not built yet; until it is, this says so and fails.
 */
const [command = "up"] = process.argv.slice(2);

if (command === "--help" || command === "-h") {
  process.stdout.write(`Usage: npm start | npm run down

  npm start      bring the reference mesh (examples/shop.ts) up on local Docker with pulumi up
  npm run down   destroy it

Not available yet: the Pulumi component (infra/) is still being built.
Meanwhile the same mesh runs in the end-to-end tests: npm test
`);
  process.exit(0);
}

console.error(`meshwright: \`${command === "down" ? "npm run down" : "npm start"}\` is not available yet — the Pulumi component (infra/) is still being built.
Meanwhile: \`npm run images && npm test\` runs the mesh on real containers. See README.md.`);
process.exit(1);
