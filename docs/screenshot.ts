/**
 * Makes the README picture: builds the docs into a temporary folder, opens the DLOTA spec page in Chromium
 * at 1280 × 1000 (100 %) and saves its title and overview diagram as `docs/images/dlota-spec.png`.
 * Run: `npm run docs:screenshot [machine]`.
 *
 * @module
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../adapters/docs/browser.js';
import { buildSite } from '../adapters/docs/site.js';
import { serveDirectory } from '../adapters/docs/static-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const machine = process.argv[2] ?? 'dlota';
const target = join(root, 'docs', 'images', `${machine}-spec.png`);
const work = await mkdtemp(join(tmpdir(), 'dlstate-shot-'));
try {
  const site = await buildSite({ root, out: join(work, 'site'), src: join(work, 'src') });
  const page = site.specPages.get(machine);
  if (!page) throw new Error(`no spec page for machine ${machine}`);
  const server = await serveDirectory(site.out);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      // What an editor sees at 100 % in a 1280 px window.
      viewport: { width: 1280, height: 1000 },
      deviceScaleFactor: 1,
    });
    const tab = await context.newPage();
    await tab.goto(new URL(page, server.url).href, { waitUntil: 'load' });
    await tab.waitForTimeout(300); // the page script sets up pan/zoom after load
    const top = await tab.locator('.col-content h1').first().boundingBox();
    const diagram = await tab.locator('.dl-diagram').first().boundingBox();
    if (!top || !diagram) throw new Error('the page has no title or no diagram');
    await mkdir(join(root, 'docs', 'images'), { recursive: true });
    const x = Math.max(0, diagram.x - 16);
    await tab.screenshot({
      path: target,
      fullPage: true,
      clip: {
        x,
        y: top.y - 16,
        width: diagram.width + 32,
        height: diagram.y + diagram.height + 16 - (top.y - 16),
      },
    });
    console.log(`wrote ${target}`);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
