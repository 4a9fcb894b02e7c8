/**
 * The example download page (examples/dae-web/site/downloads) in Debian's Chromium, served by serve-dae with the
 * shipped apps.json, against a throttled loopback content server: register → progress → pause (no more bytes)
 * → resume → complete, in the machine's event order; a reload mid-download gets the list back from the
 * manager; two applications with different permissions see what the DAE-FILTER and DAE-GET clauses allow; an unconfigured
 * path gets no objects; a forged socket message for another application's download is refused.
 */
import { existsSync, promises as fs } from 'node:fs';

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApps } from '../../adapters/dae-web/apps.js';
import { daeBundle } from '../../adapters/dae-web/bundle.js';
import { type DaeWebRig, startRig } from '../../adapters/dae-web/test-support.js';
import { CHROMIUM_PATH, launchChromium, openLocalPage } from '../../adapters/docs/browser.js';
import { tempDir, waitFor } from '../../adapters/oipf/test-support.js';
import { verifies } from '../../property-tests/verifies.js';

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium && process.env.CI)
  throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing`);

const HERE = fileURLToPath(new URL('.', import.meta.url));

describe.skipIf(!hasChromium)('the example download page in Chromium', () => {
  let browser: Browser;
  let rig: DaeWebRig;
  let site: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const shipped = parseApps(JSON.parse(await fs.readFile(path.join(HERE, 'apps.json'), 'utf8')), 'oipf');
    const mine = {
      ...shipped[0]!,
      path: '/mine/',
      id: 'mine',
      origin: 'mine.example',
      organisationId: 'mine',
      permissions: ['permission_downloadmanager' as const],
    };
    site = await tempDir('dlstate-example-site-');
    for (const folder of ['downloads', 'mine', 'other'])
      await fs.cp(path.join(HERE, 'site', 'downloads'), path.join(site, folder), { recursive: true });
    rig = await startRig({
      staticDir: site,
      apps: [...shipped, mine],
      bigBytes: 600_000,
      bytesPerSecond: 300_000,
    });
    browser = await launchChromium();
    await daeBundle();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
    if (site) await fs.rm(site, { recursive: true, force: true });
  });

  async function open(folder: string): Promise<Page> {
    const page = await openLocalPage(browser, `${rig.dae.url}/${folder}/`, pageErrors);
    return page;
  }

  async function register(page: Page, url: string): Promise<string> {
    await page.fill('#url', url);
    await page.click('#register button');
    const text = (await page.textContent('#status')) ?? '';
    expect(text).toMatch(/^registered /);
    return text.slice('registered '.length);
  }

  const state = (id: string) => rig.manager.views().find((v) => v.id === id)?.state;
  const bytes = (id: string) =>
    rig.manager.liveBytes(id) ?? rig.manager.views().find((v) => v.id === id)?.amountDownloaded;
  const row = (id: string) => `tr[data-id="${id}"]`;

  it(
    verifies(
      ['DAE-PAUSE-1', 'DAE-PAUSE-2', 'DAE-RESUME-1', 'DAE-EVT-1', 'DAE-STATE-1'],
      'register → progress → pause (no more bytes) → resume → complete, events in the machine’s order; a reload gets the list back',
    ),
    async () => {
      const managerLog: string[] = [];
      rig.manager.onStateChange((c) => managerLog.push(`${c.id} ${c.state}`));
      const page = await open('downloads');
      expect(await page.textContent('#status')).toBe('ready');
      const id = await register(page, rig.mediaUrl('big.bin'));
      await page.waitForSelector(`${row(id)}[data-state="2"]`);
      await page.waitForFunction(
        (s) => Number((document.querySelector(`${s} progress`) as HTMLProgressElement).value) > 0,
        row(id),
      );
      await page.click(`${row(id)} [data-action="pause"]`);
      expect(await page.textContent('#status')).toBe(`pause ${id}: true`);
      await page.waitForSelector(`${row(id)}[data-state="4"]`);
      await waitFor(() => state(id) === 4, 'paused in the manager');
      // DAE-PAUSE-2: the request is closed (the content server logs it as finished), then no request is made
      // and the kept bytes (received before the pause, made durable as the transfer stops) stay as they are.
      const gets = () => rig.content.requests.filter((r) => r.url.endsWith('/media/big.bin'));
      await waitFor(() => gets().length === 1, 'the interrupted GET closed');
      const sent = gets()[0]!.bodyBytes;
      expect(sent).toBeLessThan(600_000);
      await new Promise((r) => setTimeout(r, 200));
      const held = bytes(id);
      await new Promise((r) => setTimeout(r, 600));
      expect(bytes(id), 'no byte arrives while paused').toBe(held);
      expect(gets().length, 'no request while paused').toBe(1);
      expect(held).toBeLessThanOrEqual(sent);
      await page.click(`${row(id)} [data-action="resume"]`);
      await waitFor(() => (bytes(id) ?? 0) > (held ?? 0), 'bytes again after resume');
      // Reload mid-download: the page's list comes back from the manager, and the download goes on.
      // (How far it gets while the page reloads depends on the machine's load, so the row may already say 1.)
      expect(state(id), 'still downloading when the page reloads').toBe(2);
      await page.reload({ waitUntil: 'load' });
      await page.waitForSelector(row(id));
      expect(await page.getAttribute(row(id), 'data-state')).toMatch(/^(2|1)$/);
      const shown = await page.$eval(`${row(id)} progress`, (p) => Number((p as HTMLProgressElement).value));
      expect(shown).toBeGreaterThan(held ?? 0);
      await page.waitForSelector(`${row(id)}[data-state="1"]`, { timeout: 15_000 });
      expect(await page.textContent(`${row(id)} .bytes`)).toBe('600000 / 600000');
      // The events the page showed, before and after the reload, are the manager's for this download in order.
      const afterReload = await page.$$eval(`#events li[data-id="${id}"]`, (lis) =>
        lis.map((li) => li.getAttribute('data-state')),
      );
      const ours = managerLog.filter((l) => l.startsWith(`${id} `)).map((l) => l.split(' ')[1]);
      expect(ours).toEqual(['16', '2', '4', '2', '1']);
      expect(ours.slice(ours.length - afterReload.length)).toEqual(afterReload);
      expect(pageErrors).toEqual([]);
      await page.context().close();
    },
  );

  it(
    verifies(
      ['DAE-FILTER-1', 'DAE-FILTER-3', 'DAE-GET-1', 'DAE-SEC-1'],
      'two applications see exactly their scopes; an unconfigured path gets no objects; a forged socket message is refused',
    ),
    async () => {
      const all = await open('downloads');
      const mine = await open('mine');
      const theirs = await register(all, rig.mediaUrl('small.bin'));
      const own = await register(mine, rig.mediaUrl('small.bin'));
      await all.waitForSelector(`${row(own)}[data-state="1"]`);
      await mine.waitForSelector(`${row(own)}[data-state="1"]`);
      await all.waitForSelector(`${row(theirs)}[data-state="1"]`);
      const listed = (p: Page) => p.$$eval('#list tr', (trs) => trs.map((tr) => tr.getAttribute('data-id')));
      const expected = (appPath: string) => {
        const app = appPath === '/mine/' ? 'mine' : 'downloads';
        return rig.manager
          .views()
          .filter((v) => app === 'downloads' || v.appId === 'mine')
          .map((v) => v.id);
      };
      expect(await listed(all)).toEqual(expected('/downloads/'));
      expect(await listed(mine)).toEqual(expected('/mine/'));
      expect(await listed(mine)).not.toContain(theirs);

      // A forged message: the own-only page opens its own socket and asks to remove the other app's download.
      const forged = await mine.evaluate(
        ({ target }) =>
          new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/dae`);
            ws.onopen = () => ws.send(JSON.stringify({ t: 'hello', v: 1, page: location.href }));
            ws.onmessage = (e) => {
              const m = JSON.parse(e.data);
              if (m.t === 'welcome')
                ws.send(
                  JSON.stringify({
                    t: 'call',
                    seq: 1,
                    method: 'remove',
                    args: { download: target },
                    decided: true,
                  }),
                );
              if (m.t === 'result') resolve(m.value);
            };
          }),
        { target: theirs },
      );
      expect(forged).toBe(false);
      expect(state(theirs)).toBe(1);

      const other = await open('other');
      expect(await other.textContent('#status')).toBe('no download manager for this application');
      expect(await other.$$eval('#list tr', (trs) => trs.length)).toBe(0);
      for (const p of [all, mine, other]) await p.context().close();
    },
  );
});
