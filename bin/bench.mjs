#!/usr/bin/env node
// `npm run bench`: speed and memory goals are measured here, never in unit tests (see adapters/bench/main.ts).
// The agent measured is the product, the compiled CLI in dist/ (what `npx dlstate` runs): it is rebuilt first
// unless BENCH_NO_BUILD=1; BENCH_AGENT=tsx measures the TypeScript sources instead. BENCH_ONLY=server runs only
// the reference server's load test (no agent, so no build).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const agentMeasured = process.env.BENCH_ONLY !== 'server';
if (agentMeasured && process.env.BENCH_AGENT !== 'tsx' && process.env.BENCH_NO_BUILD !== '1') {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0)
    process.stderr.write('bench: the build reported errors; measuring dist/ as emitted\n');
}
const result = spawnSync(process.execPath, ['--import', 'tsx', 'adapters/bench/main.ts'], {
  cwd: root,
  stdio: 'inherit',
});
process.exitCode = result.status ?? 1;
