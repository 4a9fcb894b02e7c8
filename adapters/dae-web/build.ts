/**
 * `npm run build` step: writes the `/dae.js` page runtime bundle to `dist/dae-web/dae.js`, so an installed
 * package serves it without esbuild (a devDependency).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDaeBundle } from './bundle.js';

const out = fileURLToPath(new URL('../../dist/dae-web/dae.js', import.meta.url));
await fs.mkdir(path.dirname(out), { recursive: true });
const text = await buildDaeBundle();
await fs.writeFile(out, text);
process.stderr.write(`dae.js: ${out} (${text.length} bytes)\n`);
