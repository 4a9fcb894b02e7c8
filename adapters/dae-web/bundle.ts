/**
 * `/dae.js`: the page runtime (adapters/dae-web/page) bundled by esbuild with the pure machines it runs. An
 * installed package serves the bundle `npm run build` wrote to `dist/dae-web/dae.js`; a source checkout
 * (running the .ts files) bundles once in memory on first request, so a stale dist/ is never served there.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The page runtime's entry point, relative to this module. */
const ENTRY = new URL('./page/main.ts', import.meta.url);
/** Where `npm run build` writes the bundle, relative to the compiled module (dist/adapters/dae-web/). */
const BUILT = new URL('../../dae-web/dae.js', import.meta.url);

let cached: Promise<string> | undefined;

/** Bundles the page runtime with esbuild (a devDependency: build time, or a source checkout). */
export async function buildDaeBundle(): Promise<string> {
  const esbuild = await import('esbuild').catch(() => {
    throw new Error('dae.js: no prebuilt bundle and esbuild is not installed (run `npm run build`)');
  });
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(ENTRY)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The `/dae.js` bundle text (cached for the life of the process). */
export function daeBundle(): Promise<string> {
  cached ??= import.meta.url.endsWith('.ts') ? buildDaeBundle() : fs.readFile(BUILT, 'utf8');
  return cached;
}
