import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'machines/**/*.test.ts',
      'adapters/**/*.test.ts',
      'property-tests/**/*.test.ts',
      'generated/**/*.test.ts',
      'examples/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
