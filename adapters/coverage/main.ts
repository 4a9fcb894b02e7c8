/**
 * `npm run coverage:spec`: computes the spec-coverage report from the machines, the model paths and the
 * last test results, prints it, writes `generated/coverage.json` (or with `--check` compares it), and
 * exits 1 when a MUST clause or a transition is an orphan (see property-tests/ledger.ts), 2 when the
 * test results are missing.
 *
 * Options: `--results <file>` (default .cache/vitest-results.json), `--out <file>` (default
 * generated/coverage.json), `--check` (write nothing; fail when the file differs).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCoverage, formatCoverage, renderCoverageJson } from './coverage.js';
import { COVERAGE_SOURCES, DEFAULT_RESULTS, gatherInputs } from './inputs.js';

const { values } = parseArgs({
  options: {
    results: { type: 'string', default: DEFAULT_RESULTS },
    out: { type: 'string', default: 'generated/coverage.json' },
    check: { type: 'boolean', default: false },
  },
});
const resultsPath = values.results ?? DEFAULT_RESULTS;
const outPath = values.out ?? 'generated/coverage.json';

if (!existsSync(resultsPath)) {
  process.stderr.write(`coverage:spec: no test results at ${resultsPath}; run \`npm test\` first\n`);
  process.exit(2);
}
const report = buildCoverage(gatherInputs(resultsPath));
process.stdout.write(formatCoverage(report));
const json = renderCoverageJson(report, COVERAGE_SOURCES);
let code = report.ok ? 0 : 1;
if (values.check) {
  const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : undefined;
  if (current !== json) {
    process.stderr.write(`coverage:spec: ${outPath} is out of date: run \`npm test\` and commit it\n`);
    code = 1;
  }
} else {
  const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : undefined;
  if (current !== json) {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, json);
    process.stdout.write(`wrote ${outPath}\n`);
  }
}
process.exit(code);
