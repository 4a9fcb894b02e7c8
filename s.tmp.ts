import { launchChromium } from './adapters/docs/browser.js';

const b = await launchChromium();
const p = await (await b.newContext({ viewport: { width: 1300, height: 1300 } })).newPage();
for (const f of process.argv.slice(2)) {
  await p.setContent(
    '<html><body style="margin:0;background:#fff">' +
      (await import('node:fs')).readFileSync(f, 'utf8') +
      '</body></html>',
  );
  await p.screenshot({ path: f.replace('.svg', '.png'), fullPage: true, timeout: 90000 });
}
await b.close();
