#!/usr/bin/env node
// The `dlstate` command: runs the compiled CLI in dist/ (built by `npm pack` through the `prepack` script, so an
// installed package has it). In a clone nothing builds dist/ on `npm install`: there the TypeScript sources run
// through tsx (a devDependency) until `npm run build` has been run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/adapters/cli/main.js', import.meta.url);
const source = new URL('../adapters/cli/main.ts', import.meta.url);
if (existsSync(fileURLToPath(main))) {
  await import(main.href);
} else if (existsSync(fileURLToPath(source))) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('dlstate: dist/ is missing and tsx is not installed; run `npm run build` first\n');
    process.exit(1);
  }
  tsx.register();
  await import(source.href);
} else {
  process.stderr.write('dlstate: dist/ is missing from the package; reinstall it\n');
  process.exit(1);
}
