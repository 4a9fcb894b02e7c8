/**
 * `npm run docs`: builds the offline docs site into `docs/site/` (generated Markdown in `docs/site-src/`).
 * Exits non-zero when typedoc reports an error; prints its warnings.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { buildSite, format } from '../adapters/docs/site.js';

const root = fileURLToPath(new URL('..', import.meta.url));
try {
  const site = await buildSite({ root, log: (line) => console.log(line) });
  if (site.messages.length > 0) console.log(format(site.messages));
  console.log(`docs: open ${site.out}/index.html (${site.messages.length} typedoc warnings)`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
