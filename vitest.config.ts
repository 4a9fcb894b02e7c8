import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's own name resolves to its sources in the repository (tsconfig.json `paths` does the same for
  // tsc and tsx), so examples import from `dlstate` exactly as an installed package is imported.
  resolve: {
    alias: [
      { find: /^dlstate$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) },
      { find: /^dlstate\/(.+)$/, replacement: fileURLToPath(new URL('./api/$1/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: [
      'api/**/*.test.ts',
      'machines/**/*.test.ts',
      'adapters/**/*.test.ts',
      'property-tests/**/*.test.ts',
      'generated/**/*.test.ts',
      'examples/**/*.test.ts',
    ],
    // A private TMPDIR per run; the run fails on any `dlstate-*` directory a test leaves in it.
    globalSetup: ['./vitest.tmpdir-guard.ts'],
    pool: 'forks',
    // Most files wait on sockets, child processes and browsers rather than compute: two forks on two cores
    // (vitest's default is cores - 1, one fork here) keep the suite within its time budget.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
