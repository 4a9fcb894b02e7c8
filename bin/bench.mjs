#!/usr/bin/env node
// `npm run bench`: speed and memory goals are measured here, never in unit tests (see adapters/bench/main.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', 'adapters/bench/main.ts'], {
  cwd: root,
  stdio: 'inherit',
});
process.exitCode = result.status ?? 1;
