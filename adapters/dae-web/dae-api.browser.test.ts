/**
 * Everything the DAE gives an application, checked in Debian's Chromium against the Node manager's own DAE
 * objects for the same application: every Download property, collections, the DOM event semantics, the HbbTV
 * profile's absent members, the RESERVE_* constants, and several applications at once, each in its scope.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESERVE } from '../../machines/oipf/index.js';
import { verifies } from '../../property-tests/verifies.js';
import { CHROMIUM_PATH, launchChromium, openLocalPage } from '../docs/browser.js';
import type { DaeDownload } from '../oipf/index.js';
import { tempDir, waitFor } from '../oipf/test-support.js';
import type { DaeWebApp } from './apps.js';
import { daeBundle } from './bundle.js';
import { WIRE_DOWNLOAD_PROPERTIES } from './protocol.js';
import { type DaeWebRig, NEWS, PORTAL, SHOP, startRig } from './test-support.js';

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium && process.env.CI)
  throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing`);

const PAGE = `<!doctype html><html><head><script src="/dae.js"></script></head><body>
<object id="dm" type="application/oipfDownloadManager"></object>
<object id="dt" type="application/oipfDownloadTrigger"></object>
<script>var dm = document.getElementById('dm'); var dt = document.getElementById('dt');</script></body></html>`;

// biome-ignore lint/suspicious/noExplicitAny: the DAE objects are page globals without TypeScript types
type Loose = any;
type W = Window & Record<string, Loose>;
const ALL = ['id', 'state', 'reason', ...WIRE_DOWNLOAD_PROPERTIES];
const MOVING = new Set(['timeElapsed', 'timeRemaining', 'currentBitrate']);

/** A property value as JSON can carry it (Dates as ISO strings). */
function plain(value: unknown): unknown {
  return value instanceof Date
    ? value.toISOString()
    : value === undefined
      ? null
      : JSON.parse(JSON.stringify(value));
}

describe.skipIf(!hasChromium)('the DAE API in Chromium', () => {
  let browser: Browser;
  let rig: DaeWebRig;
  let site: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    site = await tempDir('dlstate-dae-site-');
    for (const app of ['portal', 'news', 'shop']) {
      await fs.mkdir(path.join(site, app));
      await fs.writeFile(path.join(site, app, 'api.html'), PAGE);
    }
    rig = await startRig({ staticDir: site, bytesPerSecond: 2_000_000 });
    browser = await launchChromium();
    await daeBundle();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
    if (site) await fs.rm(site, { recursive: true, force: true });
  });

  async function open(app: DaeWebApp): Promise<Page> {
    const page = await openLocalPage(browser, `${rig.dae.url}${app.path}api.html`, pageErrors);
    await page.waitForFunction(() => (window as W).dlstateDae.connected === true);
    return page;
  }

  /** The Node manager's Download object of `app` for `id`. */
  function nodeDownload(app: DaeWebApp, id: string): DaeDownload {
    const list = rig.manager.application(app).downloadManager.createFilteredList(undefined, 63);
    return [...list].find((d) => d.id === id)!;
  }

  async function completed(page: Page, id: string): Promise<void> {
    await page.waitForFunction(
      (i) =>
        (window as W).dm.createFilteredList(undefined, 1).length > 0 &&
        Array.from(
          { length: (window as W).dm.createFilteredList(undefined, 1).length },
          (_, k) => (window as W).dm.createFilteredList(undefined, 1).item(k).id,
        ).includes(i),
      id,
      { timeout: 10_000 },
    );
  }

  it(
    verifies(
      ['DAE-STATE-1', 'DAE-STATE-2', 'DAE-GET-1', 'DAE-EVT-2', 'DAE-RESERVE-7', 'DAE-PROP-1'],
      'every Download property equals the manager’s; collections have [i], item(i), length; DownloadStateChange neither bubbles nor captures; RESERVE_*',
    ),
    async () => {
      const page = await open(PORTAL);
      const cadd = `<ContentAccessDownloadDescriptor><ContentItem><ContentURL>${rig.mediaUrl('small.bin')}</ContentURL><Title>Clip</Title><Synopsis>A clip</Synopsis><ContentID>c-1</ContentID><TotalSize>20000</TotalSize></ContentItem></ContentAccessDownloadDescriptor>`;
      const ids = await page.evaluate(
        ({ cadd, url }) => {
          const w = window as W;
          w.outside = 0;
          w.seen = [];
          document.addEventListener('DownloadStateChange', () => w.outside++, true);
          document.addEventListener('DownloadStateChange', () => w.outside++, false);
          w.dm.addEventListener('click', () => w.seen.push('click'));
          w.dm.addEventListener(
            'DownloadStateChange',
            (e: Loose) => {
              e.preventDefault();
              w.seen.push([
                e.state,
                e.bubbles,
                e.cancelable,
                e.defaultPrevented,
                e.eventPhase,
                // item is the very object the lists return (one Download object per id)
                e.item === w.dm.createFilteredList(undefined, 63).item(0) ||
                  e.item === w.dm.createFilteredList(undefined, 63).item(1),
              ]);
            },
            true, // useCapture: ignored (DAE-EVT-2)
          );
          return [
            w.dt.registerDownload(cadd, null),
            w.dt.registerDownloadURL(url, 'application/octet-stream', null, 3),
          ];
        },
        { cadd, url: rig.mediaUrl('small.bin') },
      );
      await completed(page, ids[0]);
      await completed(page, ids[1]);
      await new Promise((r) => setTimeout(r, 300)); // one more progress push: timeElapsed etc. settle
      for (const id of ids) {
        const inPage = (await page.evaluate(
          ({ id, names }) => {
            const d = (window as W).dm.getDownloads(id).item(0);
            return Object.fromEntries(
              names.map((n: string) => [n, d[n] instanceof Date ? d[n].toISOString() : (d[n] ?? null)]),
            );
          },
          { id, names: ALL },
        )) as Record<string, unknown>;
        const node = nodeDownload(PORTAL, id) as unknown as Record<string, unknown>;
        for (const name of ALL) {
          if (MOVING.has(name)) expect(typeof inPage[name], name).toBe('number');
          else expect(inPage[name], `${id} ${name}`).toEqual(plain(node[name]));
        }
        expect(inPage.state).toBe(1);
        const defined = Object.keys(inPage).filter((k) => inPage[k] !== null);
        expect(defined).toEqual(
          expect.arrayContaining([
            'id',
            'name',
            'totalSize',
            'amountDownloaded',
            'contentURL',
            'uri',
            'transferType',
          ]),
        );
        expect(defined).toEqual(
          expect.arrayContaining([
            'startTime',
            'parentalRatings',
            'drmControl',
            'metadata',
            'suspendedByTerminal',
            'priority',
          ]),
        );
        expect(inPage.uri).toMatch(/^file:\/\//);
      }
      expect(await page.evaluate((i) => (window as W).dm.getDownloads(i)[0].metadata, ids[0])).toEqual({
        name: 'Clip',
        description: 'A clip',
        contentID: 'c-1',
      });
      const collection = await page.evaluate(() => {
        const list = (window as W).dm.createFilteredList(undefined, 63);
        return [
          list.length,
          list[0] === list.item(0),
          list[1] === list.item(1),
          list.item(2),
          list.item(-1),
          list.item(0.5),
        ];
      });
      expect(collection).toEqual([2, true, true, undefined, undefined, undefined]);
      const seen = await page.evaluate(() => {
        (document.getElementById('dm') as HTMLElement).click();
        return { seen: (window as W).seen, outside: (window as W).outside };
      });
      expect(seen.outside).toBe(0);
      expect(seen.seen.at(-1)).toBe('click');
      const events = seen.seen.slice(0, -1) as [number, boolean, boolean, boolean, number, boolean][];
      expect(events.length).toBeGreaterThanOrEqual(4);
      for (const e of events) expect(e.slice(1)).toEqual([false, false, false, 2, true]); // AT_TARGET
      // RESERVE_* on the object; reserve() answers at once and the manager agrees.
      const reserve = await page.evaluate((mb) => {
        const dm = (window as W).dm;
        const names = [
          'RESERVE_OK',
          'RESERVE_NEVER',
          'RESERVE_USER_INTERVENTION_REQD',
          'RESERVE_USER_DECLINED',
          'RESERVE_TOO_LARGE',
          'RESERVE_SMALLER_THAN_USED',
          'RESERVE_UNKNOWN',
        ];
        return {
          constants: names.map((n) => dm[n]),
          results: [dm.reserve(mb), dm.reserve(2 ** 52), dm.reserve(-1), dm.reserve(1)],
        };
      }, 1_048_576);
      expect(reserve.constants).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(reserve.results).toEqual([
        RESERVE.RESERVE_OK,
        RESERVE.RESERVE_TOO_LARGE,
        RESERVE.RESERVE_UNKNOWN,
        RESERVE.RESERVE_SMALLER_THAN_USED,
      ]);
      await page.waitForFunction(() => (window as W).dm.hasReserved === 1);
      expect(rig.manager.application(PORTAL).downloadManager.hasReserved).toBe(1);
      expect(
        await page.evaluate(() => [
          (window as W).dt.checkDownloadPossible(1),
          (window as W).dt.checkDownloadPossible(2 ** 53),
        ]),
      ).toEqual([true, false]);
      expect(await page.evaluate(() => (window as W).dlstateDae.disagreements)).toEqual([]);
      expect(pageErrors).toEqual([]);
      await page.context().close();
    },
  );

  it(
    verifies(
      ['HBB-PROFILE-1', 'DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-GET-1', 'DAE-GET-3'],
      'several applications at once, each in its scope; the HbbTV profile’s members are absent',
    ),
    async () => {
      const pages = new Map<DaeWebApp, Page>();
      for (const app of [PORTAL, NEWS, SHOP]) pages.set(app, await open(app));
      const shop = pages.get(SHOP)!;
      expect(
        await shop.evaluate(() => {
          const dm = (window as W).dm;
          const made = (window as W).oipfObjectFactory.createDownloadManagerObject();
          const absent = ['discInfo', 'pause', 'resume', 'getDownloads', 'updateRegisteredDownload'];
          return [
            absent.filter((m) => m in dm || m in made),
            ['remove', 'createFilteredList', 'reserve'].every((m) => typeof dm[m] === 'function'),
          ];
        }),
      ).toEqual([[], true]);
      const before = rig.manager.views().length;
      for (const [app, page] of pages)
        await page.evaluate(
          ({ url, p }) => (window as W).dt.registerDownloadURL(url, 'application/octet-stream', null, p),
          {
            url: rig.mediaUrl('small.bin'),
            p: app === SHOP ? 7 : 0,
          },
        );
      await waitFor(
        () => rig.manager.views().filter((v) => v.state === 1).length >= before + 3,
        'three completed',
        10_000,
      );
      expect(rig.manager.views().find((v) => v.appId === 'shop')?.priority).toBe(7);
      for (const [app, page] of pages) {
        const node = rig.manager.application(app).downloadManager;
        for (const domain of [true, false, undefined]) {
          const want = [...node.createFilteredList(domain, 63)].map((d) => d.id);
          await page.waitForFunction(
            ({ domain, want }) => {
              const list = (window as W).dm.createFilteredList(domain === null ? undefined : domain, 63);
              return (
                JSON.stringify(Array.from({ length: list.length }, (_, i) => list.item(i).id)) ===
                JSON.stringify(want)
              );
            },
            { domain: domain ?? null, want },
            { timeout: 5000 },
          );
        }
        if (app.profile === 'oipf') {
          const want = [...node.getDownloads!()!].map((d) => d.id);
          const got = await page.evaluate(() => {
            const list = (window as W).dm.getDownloads();
            return Array.from({ length: list.length }, (_, i) => list.item(i).id);
          });
          expect(got, app.id).toEqual(want);
        }
      }
      // The portal (all) sees every application's downloads; news and shop only their own.
      const count = (app: DaeWebApp) =>
        pages.get(app)!.evaluate(() => (window as W).dm.createFilteredList(undefined, 63).length);
      expect(await count(PORTAL)).toBe(rig.manager.views().length);
      expect(await count(NEWS)).toBe(rig.manager.views().filter((v) => v.appId === 'news').length);
      for (const page of pages.values()) await page.context().close();
    },
  );
});
