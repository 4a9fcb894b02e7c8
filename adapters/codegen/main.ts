/**
 * `npm run generate` entry: `node --import tsx adapters/codegen/main.ts [--check] [--out DIR]`. Renders
 * `generated/` from the machines in `machines/registry.ts`; with `--check` it writes nothing and exits 1
 * naming every stale, missing or extra file.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { MACHINES } from '../../machines/registry.js';
import { packageRoot, resolveOutDir, runGenerate } from './generate.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { check: { type: 'boolean', default: false }, out: { type: 'string' } },
  strict: true,
});
const root = packageRoot();
try {
  process.exitCode = runGenerate(
    { root, outDir: resolveOutDir(root, values.out), machines: MACHINES, check: values.check ?? false },
    { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  );
} catch (error) {
  process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
