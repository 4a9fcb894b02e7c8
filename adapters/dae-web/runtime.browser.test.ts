/**
 * `/dae.js` in Debian's Chromium: `<object>` elements become DAE objects (present at load and added later),
 * calls answer at once from the page's machine, effects reach the manager, events come back; a dropped socket
 * keeps answering and replays the effects.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { CHROMIUM_PATH, launchChromium, openLocalPage } from '../docs/browser.js';
import { tempDir, waitFor } from '../oipf/test-support.js';
import { daeBundle } from './bundle.js';
import { type DaeWebRig, startRig } from './test-support.js';

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium && process.env.CI)
  throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing`);

const BASIC = `<!doctype html><html><head><script src="/dae.js"></script></head><body>
<object id="dm" type="application/oipfDownloadManager"></object>
<object id="dt" type="application/oipfDownloadTrigger"></object>
<script>
  var dm = document.getElementById('dm');
  window.atLoad = { pause: typeof dm.pause, list: dm.createFilteredList(undefined, 63).length,
    supported: oipfObjectFactory.isObjectSupported('application/oipfDownloadManager') };
  window.heard = [];
  dm.onDownloadStateChange = function (item, state, reason) { heard.push(['cb', item.id, state, reason]); };
  dm.addEventListener('DownloadStateChange', function (e) { heard.push(['ev', e.item.id, e.state, e.reason]); });
</script></body></html>`;

// biome-ignore lint/suspicious/noExplicitAny: the DAE objects are page globals without TypeScript types
type Loose = any;
type W = Window & Record<string, Loose>;

describe.skipIf(!hasChromium)('dae.js in Chromium', () => {
  let browser: Browser;
  let rig: DaeWebRig;
  let site: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    site = await tempDir('dlstate-dae-site-');
    await fs.mkdir(path.join(site, 'portal'));
    await fs.writeFile(path.join(site, 'portal', 'basic.html'), BASIC);
    await fs.mkdir(path.join(site, 'elsewhere'));
    await fs.writeFile(path.join(site, 'elsewhere', 'basic.html'), BASIC);
    rig = await startRig({ staticDir: site, bigBytes: 400_000, bytesPerSecond: 400_000 });
    browser = await launchChromium();
    await daeBundle(); // bundled once here, not inside the first test's page load
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
    if (site) await fs.rm(site, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const page = await openLocalPage(browser, url, pageErrors);
    return page;
  }

  it(
    verifies(
      ['DAE-PAUSE-1', 'DAE-PAUSE-2', 'DAE-RESUME-1', 'DAE-EVT-1', 'DAE-EVT-2'],
      'objects answer synchronously from the page; effects reach the manager; events come back in the manager order',
    ),
    async () => {
      const page = await open(`${rig.dae.url}/portal/basic.html`);
      // Upgraded before the next inline script ran: the boot record gave the identity with the script.
      expect(await page.evaluate(() => (window as W).atLoad)).toEqual({
        pause: 'function',
        list: 0,
        supported: true,
      });
      await page.waitForFunction(() => (window as W).dlstateDae.connected === true);
      const managerLog: string[] = [];
      rig.manager.onStateChange((c) => managerLog.push(`${c.state}`));
      const url = rig.mediaUrl('big.bin');
      const registered = await page.evaluate((u) => {
        const dt = document.getElementById('dt') as Loose;
        const dm = document.getElementById('dm') as Loose;
        const id = dt.registerDownloadURL(u, 'video/mp4', null, 1);
        return { id, listed: dm.getDownloads(id).length, state: dm.getDownloads(id).item(0).state };
      }, url);
      expect(registered).toMatchObject({ listed: 1, state: 16 });
      expect(registered.id).toMatch(/^[0-9a-f-]{36}$/);
      await waitFor(
        () => rig.manager.views().some((v) => v.id === registered.id && v.state === 2),
        'in progress',
      );
      await page.waitForFunction(
        (id) => (window as W).dm.getDownloads(id)[0].amountDownloaded > 0,
        registered.id,
      );
      // pause() answers at once, the view shows 4 at once; the manager stops the transfer.
      const paused = await page.evaluate((id) => {
        const d = (window as W).dm.getDownloads(id).item(0);
        return [(window as W).dm.pause(d), d.state, (window as W).dm.resume({}), (window as W).dm.pause(d)];
      }, registered.id);
      expect(paused).toEqual([true, 4, false, true]);
      await waitFor(() => rig.manager.views().find((v) => v.id === registered.id)?.state === 4, 'paused');
      // Bytes received before the pause are made durable as the transfer stops; after that nothing arrives.
      await new Promise((r) => setTimeout(r, 200));
      const heldAt = rig.manager.views().find((v) => v.id === registered.id)!.amountDownloaded;
      await new Promise((r) => setTimeout(r, 400));
      expect(rig.manager.views().find((v) => v.id === registered.id)!.amountDownloaded).toBe(heldAt);
      expect(
        await page.evaluate(
          (id) => (window as W).dm.resume((window as W).dm.getDownloads(id)[0]),
          registered.id,
        ),
      ).toBe(true);
      await page.waitForFunction((id) => (window as W).dm.getDownloads(id)[0].state === 1, registered.id, {
        timeout: 10_000,
      });
      const heard = (await page.evaluate(() => (window as W).heard)) as [
        string,
        string,
        number,
        number | null,
      ][];
      // onDownloadStateChange then the DOM event, for every state the manager announced, in its order.
      const expected = managerLog.flatMap((s) => [`cb ${s}`, `ev ${s}`]);
      expect(heard.map(([how, , state]) => `${how} ${state}`)).toEqual(expected);
      expect(managerLog).toEqual(['16', '2', '4', '2', '1']);
      expect(await page.evaluate(() => (window as W).dlstateDae.disagreements)).toEqual([]);
      expect(pageErrors).toEqual([]);
      await page.context().close();
    },
  );

  it(
    verifies(
      ['DAE-SEC-1', 'DAE-REMOVE-2'],
      'objects added later are upgraded; a dropped socket answers from the page and replays the effects',
    ),
    async () => {
      const page = await open(`${rig.dae.url}/portal/basic.html`);
      await page.waitForFunction(() => (window as W).dlstateDae.connected === true);
      const later = await page.evaluate(async () => {
        const o = document.createElement('object');
        o.type = 'application/oipfDownloadTrigger';
        document.body.appendChild(o);
        await Promise.resolve();
        return typeof (o as Loose).registerDownloadURL;
      });
      expect(later).toBe('function');
      const id = await page.evaluate((u) => {
        (window as W).dlstateDae.dropSocket();
        const dt = document.getElementById('dt') as Loose;
        return dt.registerDownloadURL(u, 'application/octet-stream', null);
      }, rig.mediaUrl('small.bin'));
      expect(typeof id).toBe('string');
      // Replayed after the reconnect: the manager registers it under the page's id and completes it.
      await waitFor(
        () => rig.manager.views().some((v) => v.id === id && v.state === 1),
        'replayed registration',
        10_000,
      );
      await page.waitForFunction((i) => (window as W).dm.getDownloads(i)[0]?.state === 1, id);
      const removed = await page.evaluate((i) => {
        const d = (window as W).dm.getDownloads(i)[0];
        return [(window as W).dm.remove(d), d.id, d.state, d.name, (window as W).dm.remove(d)];
      }, id);
      expect(removed).toEqual([true, undefined, undefined, undefined, false]);
      await waitFor(() => !rig.manager.views().some((v) => v.id === id), 'removed in the manager');
      await page.context().close();
    },
  );

  it(verifies(['DAE-SEC-1'], 'a page from an unconfigured path gets no download objects'), async () => {
    const page = await open(`${rig.dae.url}/elsewhere/basic.html`);
    await page.waitForFunction(() => (window as W).dlstateDae.connected === true);
    const seen = await page.evaluate(() => ({
      supported: (window as W).oipfObjectFactory.isObjectSupported('application/oipfDownloadManager'),
      pause: typeof (document.getElementById('dm') as Loose).pause,
      created: (window as W).oipfObjectFactory.createDownloadManagerObject(),
      atLoad: (window as W).atLoad ?? null,
    }));
    expect(seen).toEqual({ supported: false, pause: 'undefined', created: null, atLoad: null });
    await page.context().close();
  });
});
