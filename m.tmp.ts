import { readdirSync } from 'node:fs';
import { launchChromium, measurePage, overlappingLabels } from './adapters/docs/browser.js';
import { serveDirectory } from './adapters/docs/static-server.js';

const server = await serveDirectory('/work/wt/i17/docs/site');
const b = await launchChromium();
for (const f of readdirSync('docs/site/documents').filter((f) => f.startsWith('Spec'))) {
  const url = new URL('documents/' + f, server.url).href;
  const l = await measurePage(b, url, 1280);
  const min = Math.min(...l.labels.map((x) => x.fontPx));
  console.log(
    f,
    l.height,
    l.contentOverflow,
    l.overflowing.slice(0, 5),
    l.labels.length,
    min,
    overlappingLabels(l.labels).slice(0, 5),
  );
}
const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
const p = await ctx.newPage();
p.on('console', (m) => console.log('console', m.type(), m.text()));
await p.goto(new URL('documents/Spec__OMA_DLOTA_2.0_download_agent.html', server.url).href);
await p.screenshot({ path: '/tmp/sc17/page1.png', timeout: 90000 });
await p.locator('a.dl-node[data-state="retrieving"]').first().click();
await p.waitForTimeout(200);
await p.screenshot({ path: '/tmp/sc17/page2.png', timeout: 90000 });
await p.locator('#dl-view-retrieving a.dl-node[data-state="retrieving.paused"]').click();
await p.waitForTimeout(200);
console.log(await p.locator('#dl-state-retrieving-paused').boundingBox());
await p.screenshot({ path: '/tmp/sc17/page3.png', timeout: 90000 });
await b.close();
await server.close();
