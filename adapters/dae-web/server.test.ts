import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { tempDir, waitFor } from '../oipf/test-support.js';
import { appForPage, parseApps } from './apps.js';
import { CLOSE_VERSION, type ManagerMessage, parsePageMessage } from './protocol.js';
import { type DaeWebRig, NEWS, PORTAL, ScriptedPage, SHOP, startRig } from './test-support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(options: Parameters<typeof startRig>[0] = {}): Promise<DaeWebRig> {
  const r = await startRig(options);
  cleanups.push(() => r.close());
  return r;
}

async function page(r: DaeWebRig, pagePath: string | null): Promise<ScriptedPage> {
  const p = await ScriptedPage.open(r.dae, pagePath);
  cleanups.push(() => p.close());
  return p;
}

const ID_A = 'page-chosen-id-0001';

describe('serve-dae: protocol and server', () => {
  it(
    verifies(
      ['DAE-FILTER-3', 'DAE-GET-1', 'DAE-SEC-1'],
      'hello by page path gives the configured identity; an unconfigured path gets none; /dae.js boots it by Referer',
    ),
    async () => {
      const r = await rig();
      const portal = await page(r, '/portal/index.html');
      const welcome = await portal.next('welcome');
      expect(welcome.app).toMatchObject({ id: 'portal', origin: 'portal.example', manageDownloads: 'all' });
      expect(welcome.summary?.hasReserved).toBe(-1);
      const stranger = await page(r, '/elsewhere/app.html');
      expect((await stranger.next('welcome')).app).toBeNull();
      // A call from a page without identity has no effect.
      stranger.send({ t: 'call', seq: 1, method: 'reserve', args: { bytes: 1 }, decided: 0 });
      expect((await stranger.next('error')).message).toMatch(/no download objects/);

      const js = await fetch(`${r.dae.url}/dae.js`, { headers: { referer: `${r.dae.url}/news/x.html` } });
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      const text = await js.text();
      const boot = JSON.parse(text.slice(text.indexOf('=') + 1, text.indexOf(';\n'))) as ManagerMessage;
      expect(boot).toMatchObject({ t: 'welcome', app: { id: 'news' } });
      expect(text).toContain('oipfObjectFactory');
      const none = await (
        await fetch(`${r.dae.url}/dae.js`, { headers: { referer: `${r.dae.url}/zzz` } })
      ).text();
      expect(none.startsWith('var __dlstateDaeBoot={"t":"welcome","v":1,"app":null')).toBe(true);
    },
  );

  it(
    verifies(
      ['DAE-FILTER-1', 'DAE-FILTER-3', 'DAE-PAUSE-1', 'DAE-REMOVE-1', 'DAE-SEC-1'],
      "calls run on the page's application objects; a forged call for another application's download is refused",
    ),
    async () => {
      const r = await rig();
      const news = await page(r, '/news/');
      const portal = await page(r, '/portal/');
      const registered = await news.call('registerDownloadURL', {
        id: ID_A,
        url: r.mediaUrl('big.bin'),
        contentType: 'video/mp4',
        downloadStart: null,
        priority: null,
      });
      expect(registered).toBe(ID_A);
      // The registering page and the all-seeing portal hear of it; an own-only page of another app does not.
      await news.next('event', (m) => m.id === ID_A);
      await portal.next('sync', (m) => m.downloads.some((d) => d.id === ID_A));
      const shop = await page(r, '/shop/');
      expect((await shop.next('welcome')).downloads.map((d) => d.id)).toEqual([]);
      // Forged: the shop page names the news download. The manager decides in the shop's scope: refused.
      expect(await shop.call('remove', { download: ID_A }, true)).toBe(false);
      expect(await shop.call('pause', { download: ID_A }, true)).toBe(false); // and hbbtv has no pause
      const other = await page(r, '/news/other.html');
      expect(
        await other.call('registerDownloadURL', {
          id: ID_A,
          url: r.mediaUrl('small.bin'),
          contentType: 'x',
          downloadStart: null,
          priority: null,
        }),
      ).toBeNull();
      expect(r.manager.views().map((v) => [v.id, v.appId])).toEqual([[ID_A, 'news']]);
      expect(r.manager.views()[0]!.state).not.toBe(4);
      // The portal (permission_downloadmanager_all) may pause it; then the news page hears the event.
      expect(await portal.call('pause', { download: ID_A }, true)).toBe(true);
      const paused = await news.next('event', (m) => m.id === ID_A && m.state === 4);
      expect(paused.download).toMatchObject({
        id: ID_A,
        state: 4,
        appId: 'news',
        props: { suspendedByTerminal: false },
      });
      expect(await news.call('remove', { download: ID_A }, true)).toBe(true);
      await portal.next('sync', (m) => m.removed.includes(ID_A));
      expect(r.manager.views()).toEqual([]);
    },
  );

  it(
    verifies(
      ['HBB-PROFILE-1', 'DAE-UPDATE-1', 'DAE-UPDATE-5'],
      'an hbbtv manager: errorLevel and flaggedForDeletion reach the page, the flag is set through the socket; pause and update are refused to hbbtv pages',
    ),
    async () => {
      const r = await rig({ profile: 'hbbtv', apps: [{ ...PORTAL, profile: 'hbbtv' }, SHOP] });
      const shop = await page(r, '/shop/');
      expect(
        await shop.call('registerDownloadURL', {
          id: ID_A,
          url: r.mediaUrl('small.bin'),
          contentType: 'application/octet-stream',
          downloadStart: null,
          priority: 5,
        }),
      ).toBe(ID_A);
      const done = await shop.next('event', (m) => m.id === ID_A && m.state === 1);
      expect(done.download.props).toMatchObject({ errorLevel: 0, flaggedForDeletion: false, priority: 5 });
      expect(await shop.call('flagForDeletion', { download: ID_A, value: true }, true)).toBe(true);
      const node = [...r.manager.application(SHOP).downloadManager.createFilteredList(undefined, 63)][0]!;
      expect(node.flaggedForDeletion).toBe(true);
      await shop.next('sync', (m) =>
        m.downloads.some((d) => d.id === ID_A && d.props.flaggedForDeletion === true),
      );
      expect(await shop.call('pause', { download: ID_A }, false)).toBe(false);
      expect(
        await shop.call('updateRegisteredDownload', { download: ID_A, url: r.mediaUrl('big.bin') }, false),
      ).toBe(false);
    },
  );

  it(
    verifies(
      ['DAE-UPDATE-1', 'DAE-UPDATE-5'],
      'updateRegisteredDownload through the socket: the manager uses the new URL; completed → false',
    ),
    async () => {
      const r = await rig();
      const portal = await page(r, '/portal/');
      await portal.call('registerDownloadURL', {
        id: ID_A,
        url: r.mediaUrl('missing.bin'),
        contentType: 'application/octet-stream',
        downloadStart: null,
        priority: null,
      });
      await portal.next('event', (m) => m.id === ID_A && m.state === 8);
      expect(
        await portal.call('updateRegisteredDownload', { download: ID_A, url: r.mediaUrl('small.bin') }, true),
      ).toBe(true);
      await portal.next('event', (m) => m.id === ID_A && m.state === 1);
      expect(r.manager.views()[0]!.url).toBe(r.mediaUrl('small.bin'));
      // An hbbtv application under an oipf manager: pause is not its member, even on its own download.
      const shop = await page(r, '/shop/');
      await shop.call('registerDownloadURL', {
        id: 'shop-own-download-1',
        url: r.mediaUrl('big.bin'),
        contentType: 'application/octet-stream',
        downloadStart: null,
        priority: null,
      });
      expect(await shop.call('pause', { download: 'shop-own-download-1' }, false)).toBe(false);
      expect(await portal.call('pause', { download: 'shop-own-download-1' }, true)).toBe(true);
      expect(
        await portal.call('updateRegisteredDownload', { download: ID_A, url: r.mediaUrl('big.bin') }, false),
      ).toBe(false);
    },
  );

  it('malformed frames and another protocol version are refused with a reason; foreign origins cannot connect', async () => {
    const r = await rig();
    const p = await page(r, null);
    p.send('not json');
    expect((await p.next('error')).message).toBe('not JSON');
    p.send({ t: 'call', seq: 1, method: 'format', args: {} });
    await waitFor(() => p.frames.length >= 2, 'second error');
    expect(p.frames[1]).toEqual({ t: 'error', message: 'unknown method "format"' });
    p.send({ t: 'hello', v: 2, page: `${r.dae.url}/portal/` });
    await waitFor(() => p.closeCode !== undefined, 'close');
    expect(p.closeCode).toBe(CLOSE_VERSION);
    await expect(ScriptedPage.open(r.dae, '/portal/', 'http://evil.example')).rejects.toThrow(/403/);
    expect(() =>
      parsePageMessage('{"t":"call","seq":1,"method":"registerDownloadURL","args":{"id":"x"}}'),
    ).toThrow(/bad arguments for registerDownloadURL/);
  });

  it('serves the application folder, never outside it', async () => {
    const root = await tempDir('dlstate-dae-static-');
    cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
    await fs.mkdir(path.join(root, 'portal'));
    await fs.writeFile(path.join(root, 'portal', 'index.html'), '<p>hi</p>');
    const r = await rig({ staticDir: root });
    const ok = await fetch(`${r.dae.url}/portal/`);
    expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      '<p>hi</p>',
    ]);
    expect((await fetch(`${r.dae.url}/portal/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(403);
    expect((await fetch(`${r.dae.url}/missing.html`)).status).toBe(404);
  });

  it('the apps file: a clear error names the entry and field', () => {
    const good = { apps: [{ ...PORTAL }, { ...NEWS, manageDownloads: 'initiator' }] };
    expect(parseApps(good, 'oipf').map((a) => [a.id, a.manageDownloads])).toEqual([
      ['portal', undefined],
      ['news', 'initiator'],
    ]);
    expect(() => parseApps({ apps: [{ ...PORTAL, permissions: ['root'] }] }, 'oipf')).toThrow(
      /apps\[0\]: "permissions" must list/,
    );
    expect(() => parseApps({ apps: [{ ...PORTAL, path: 'portal' }] }, 'oipf')).toThrow(/must start with/);
    expect(() => parseApps({ apps: [{ ...PORTAL, colour: 1 }] }, 'oipf')).toThrow(
      /unknown field\(s\) colour/,
    );
    expect(() => parseApps({ apps: [{ ...PORTAL, profile: 'oipf' }] }, 'hbbtv')).toThrow(/wider than/);
    expect(() => parseApps([], 'oipf')).toThrow(/expected \{"apps"/);
    // The longest matching path prefix wins; nothing matches outside every prefix.
    const nested = parseApps(
      {
        apps: [
          { ...PORTAL, path: '/tv/' },
          { ...NEWS, path: '/tv/news/' },
        ],
      },
      'oipf',
    );
    expect(appForPage(nested, 'http://127.0.0.1:1/tv/news/a.html')?.id).toBe('news');
    expect(appForPage(nested, 'http://127.0.0.1:1/tv/index.html')?.id).toBe('portal');
    expect(appForPage(nested, 'http://127.0.0.1:1/tvx/')).toBeUndefined();
    expect(appForPage(nested, 'not a url')).toBeUndefined();
  });
});
