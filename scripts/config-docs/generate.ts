// `npm run docs:config`: writes docs/CONFIG.md and docs/gateway.schema.json from the schema and
// scripts/config-docs/fields.ts. `npm run docs:config -- --check` (CI) writes nothing and fails
// when either file is not what the schema generates, or a field has no documentation.
import { readFileSync, writeFileSync } from "node:fs";
import { configReference } from "./render.ts";

const FILES = { markdown: "docs/CONFIG.md", jsonSchema: "docs/gateway.schema.json" } as const;

const check = process.argv.includes("--check");
const reference = configReference();
if (reference.problems.length > 0) {
  console.error("The configuration reference cannot be generated:");
  for (const problem of reference.problems) console.error(`  - ${problem}`);
  process.exit(1);
}
let stale = false;
for (const [part, file] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
  const text = reference[part];
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // missing: stale, or written below
  }
  if (current === text) continue;
  if (check) {
    console.error(`${file} is not what the schema generates: run npm run docs:config and commit it`);
    stale = true;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
if (stale) process.exit(1);
if (check) console.log(`${Object.values(FILES).join(" and ")} match the schema.`);
