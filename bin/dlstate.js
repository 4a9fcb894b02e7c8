#!/usr/bin/env node
// The `dlstate` command: runs the compiled CLI (`npm install` builds dist/ through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/adapters/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'dlstate: dist/ is missing; run `npm install` (or `npm run build`) in the package first\n',
  );
  process.exit(1);
}
await import(main.href);
