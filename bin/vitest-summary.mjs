#!/usr/bin/env node
// Runs vitest once with its default reporter for people and its JSON reporter for the counts, then prints the
// plain `N passed, N failed` line CI reads (CI does not read vitest's own summary). Exits with vitest's code,
// and non-zero when no test ran at all.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const out = join('.cache', 'vitest-results.json');
mkdirSync('.cache', { recursive: true });
rmSync(out, { force: true });
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(readFileSync(out, 'utf8'));
  passed = results.numPassedTests ?? 0;
  // A file that fails to load has no failed test of its own: count it once so it cannot pass unseen.
  failed = results.numFailedTests || results.numFailedTestSuites || 0;
  skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
} catch (error) {
  console.error(`vitest-summary: no JSON results at ${out} (${error.message})`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
const code = run.status ?? 1;
process.exit(code !== 0 ? code : passed === 0 || failed > 0 ? 1 : 0);
