#!/usr/bin/env node
// Runs vitest once with its default reporter for people and its JSON reporter for the counts, then the spec-coverage
// report (adapters/coverage, which reads those results and writes generated/coverage.json), then prints the plain
// `N passed, N failed` line CI reads (CI does not read vitest's own summary). Exits with vitest's code, non-zero when
// no test ran at all, and non-zero when the coverage report finds orphans. A filtered run (extra arguments) skips the
// coverage report: a subset of the tests cannot say what is verified.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const out = join('.cache', 'vitest-results.json');
const args = process.argv.slice(2);
mkdirSync('.cache', { recursive: true });
rmSync(out, { force: true });
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
let haveResults = false;
try {
  const results = JSON.parse(readFileSync(out, 'utf8'));
  haveResults = true;
  passed = results.numPassedTests ?? 0;
  // A file that fails to load has no failed test of its own: count it once so it cannot pass unseen.
  failed = results.numFailedTests || results.numFailedTestSuites || 0;
  skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
} catch (error) {
  console.error(`vitest-summary: no JSON results at ${out} (${error.message})`);
  failed += 1;
}
let coverage = 0;
if (haveResults && args.length === 0) {
  const report = spawnSync(process.execPath, ['--import', 'tsx', join('adapters', 'coverage', 'main.ts')], {
    stdio: 'inherit',
  });
  coverage = report.status ?? 1;
} else if (args.length > 0) {
  console.log('vitest-summary: filtered run, spec coverage not computed');
}
if (coverage !== 0) console.log(`vitest-summary: spec coverage failed (exit ${coverage})`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
const code = run.status ?? 1;
if (code !== 0 && failed === 0)
  console.log(`vitest-summary: vitest exited ${code} (see its output above, e.g. the tmpdir guard)`);
process.exit(code !== 0 ? code : passed === 0 || failed > 0 ? 1 : coverage !== 0 ? coverage : 0);
