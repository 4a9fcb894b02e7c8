import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import { type DaeDownload, DOWNLOAD_PROPERTIES, DownloadCollection } from './dae-download.js';
import type { ApplicationInfo } from './dae-objects.js';
import { createDownloadManager, type DownloadManagerHost } from './manager.js';
import { ALL_APP, isGone, mediaFile, tempDir, waitFor } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function manager(
  opts: Partial<Parameters<typeof createDownloadManager>[0]> = {},
): Promise<DownloadManagerHost> {
  const m = await createDownloadManager({ dir: await tempDir(), maxActive: 2, ...opts });
  cleanups.push(() => m.close());
  return m;
}

async function server(): Promise<{ s: DownloadServer; dir: string }> {
  const dir = await tempDir('dlstate-srv-');
  const s = await startDownloadServer({ dir });
  cleanups.push(() => s.close());
  return { s, dir };
}

const MB = 1_048_576;
const APP_A: ApplicationInfo = {
  id: 'a1',
  origin: 'a.example',
  organisationId: 'orgA',
  permissions: ['permission_downloadmanager'],
};
const APP_A2: ApplicationInfo = {
  id: 'a2',
  origin: 'a.example',
  organisationId: 'orgA',
  permissions: ['permission_downloadmanager_samedomain'],
};
const APP_B: ApplicationInfo = {
  id: 'b1',
  origin: 'b.example',
  organisationId: 'orgB',
  permissions: ['permission_downloadmanager_all'],
};

describe('DAE objects over the running manager', () => {
  it(
    verifies(
      ['DAE-STATE-1', 'DAE-EVT-1'],
      'downloadStart is honoured: queued (16) until then, then downloaded',
    ),
    async () => {
      const { s, dir } = await server();
      await mediaFile(dir, 'later.bin', 8_000);
      const m = await manager();
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      const startAt = new Date(Date.now() + 600);
      const id = downloadTrigger.registerDownloadURL(`${s.url}/media/later.bin`, 'video/mp4', startAt)!;
      const d = downloadManager.getDownloads!(id)!.item(0)!;
      expect(d.state).toBe(16);
      expect(d.startTime?.getTime()).toBe(startAt.getTime());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(s.requests.filter((r) => r.url.startsWith('/media/'))).toEqual([]);
      await m.whenIdle();
      expect(Date.now()).toBeGreaterThanOrEqual(startAt.getTime());
      expect([d.state, d.amountDownloaded]).toEqual([1, 8_000]);
    },
  );

  it(
    verifies(
      ['DAE-REMOVE-1', 'DAE-REMOVE-2', 'DAE-REMOVE-3'],
      'remove deletes the file, makes the Download all-undefined, tells the A/V hook; later calls return false',
    ),
    async () => {
      const { s, dir } = await server();
      await mediaFile(dir, 'clip.bin', 20_000);
      const m = await manager();
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      const id = downloadTrigger.registerDownloadURL(`${s.url}/media/clip.bin`, 'video/mp4')!;
      await m.whenIdle();
      const d = downloadManager.getDownloads!(id)!.item(0)!;
      const file = m.metaOf(id)!.filePath!;
      const playerErrors: string[] = [];
      m.onRemoved((removed) => playerErrors.push(`${removed}: A/V control → state 6`));
      expect((await fs.stat(file)).size).toBe(20_000);
      expect([d.id, d.state, d.name, d.amountDownloaded]).toEqual([id, 1, 'clip.bin', 20_000]);
      expect(downloadManager.remove(d)).toBe(true);
      expect(m.context().lastResult).toEqual({ method: 'remove', downloadId: id, value: true });
      expect(playerErrors).toEqual([`${id}: A/V control → state 6`]);
      for (const p of DOWNLOAD_PROPERTIES) expect(d[p], p).toBeUndefined();
      // DAE-REMOVE-2: no property at all keeps a value — the state constants included, own or inherited.
      const names = new Set<string>([
        ...Object.keys(d),
        ...Object.getOwnPropertyNames(Object.getPrototypeOf(d)),
      ]);
      names.delete('constructor');
      expect(names.has('DOWNLOAD_COMPLETED')).toBe(true);
      const left = [...names].filter((n) => (d as unknown as Record<string, unknown>)[n] !== undefined);
      expect(left, 'properties still defined after remove').toEqual([]);
      await m.flush();
      await waitFor(() => isGone(file), 'file deleted');
      expect(downloadManager.remove(d)).toBe(false);
      expect(downloadManager.pause!(d)).toBe(false);
      expect(downloadManager.resume!(d)).toBe(false);
      expect(downloadManager.updateRegisteredDownload!(d, `${s.url}/media/clip.bin`)).toBe(false);
      expect(downloadManager.getDownloads!(id)!.length).toBe(0);
      expect(m.mismatches).toEqual([]);
    },
  );

  it(
    verifies(
      ['DAE-REMOVE-2', 'DAE-GET-3'],
      'removed downloads leave each application’s object cache; live ones keep their identity',
    ),
    async () => {
      const m = await manager({ transfers: false });
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      const other = m.application({ ...ALL_APP, id: 'other' }).downloadManager;
      for (let i = 0; i < 20; i++)
        downloadTrigger.registerDownloadURL(`http://cdn.example/${i}.mp4`, 'video/mp4');
      const all = downloadManager.getDownloads!()!;
      const held = Array.from({ length: all.length }, (_, i) => all.item(i)!);
      other.getDownloads!()!.item(0);
      expect([downloadManager.cachedDownloads, other.cachedDownloads]).toEqual([20, 1]);
      const removed = held.slice(0, 12);
      for (const d of removed) expect(downloadManager.remove(d)).toBe(true);
      await Promise.resolve();
      // (The other application got objects for the downloads it was told about: the ones the freed slots started.)
      expect(downloadManager.cachedDownloads).toBe(8);
      expect(other.cachedDownloads).toBeLessThanOrEqual(8);
      // Held removed objects stay all-undefined; the live ones are the very objects the application holds.
      for (const d of removed) expect([d.id, d.state]).toEqual([undefined, undefined]);
      const again = downloadManager.getDownloads!()!;
      expect(Array.from({ length: again.length }, (_, i) => again.item(i))).toEqual(held.slice(12));
      for (let i = 0; i < again.length; i++) expect(again.item(i)).toBe(held[12 + i]);
    },
  );

  it(
    verifies(
      ['DAE-GET-1', 'DAE-GET-3', 'DAE-FILTER-3', 'DAE-FILTER-4', 'DAE-REMOVE-2'],
      "a collection is the snapshot of its call: length, item(i) and read-only [i] agree, the objects are the application's own, later calls follow pause/remove/register and stay scoped",
    ),
    async () => {
      const m = await manager({ transfers: false, maxActive: 1 });
      const a = m.application(APP_A);
      const b = m.application(APP_B);
      const ida = a.downloadTrigger.registerDownloadURL('http://cdn.example/a', 'video/mp4')!;
      const idb = b.downloadTrigger.registerDownloadURL('http://cdn.example/b', 'video/mp4')!;
      const idc = b.downloadTrigger.registerDownloadURL('http://cdn.example/c', 'video/mp4')!;
      const ids = (c: DownloadCollection | null) => [...(c ?? [])].map((d) => d.id);
      const before = b.downloadManager.getDownloads!()!;
      const paused16 = b.downloadManager.createFilteredList(undefined, 4);

      // One collection, three ways to read it; indices are own, enumerable and read-only.
      expect(before.length).toBe(3);
      expect([before[0], before[1], before[2]]).toEqual([before.item(0), before.item(1), before.item(2)]);
      expect(before[3]).toBeUndefined();
      expect(before.item(-1)).toBeUndefined();
      expect(1 in before && !(3 in before)).toBe(true);
      expect(Object.keys(before)).toEqual(['0', '1', '2']);
      expect(() => {
        (before as unknown as DaeDownload[])[0] = before.item(1)!;
      }).toThrow(TypeError);
      expect(before.item(0)).toBe(b.downloadManager.getDownloads!(ida)!.item(0));
      expect(before).toBeInstanceOf(DownloadCollection);

      // Later calls follow the registry; a collection already returned keeps what it held.
      expect(b.downloadManager.pause!(before.item(1)!)).toBe(true);
      expect(ids(b.downloadManager.createFilteredList(undefined, 4))).toEqual([idb]);
      expect(ids(paused16)).toEqual([]);
      expect(before.item(1)!.state).toBe(4);
      expect(b.downloadManager.remove(before.item(2)!)).toBe(true);
      const idd = a.downloadTrigger.registerDownloadURL('http://cdn.example/d', 'video/mp4')!;
      expect(ids(b.downloadManager.getDownloads!())).toEqual([ida, idb, idd]);
      expect(ids(before)).toEqual([ida, idb, undefined]);
      expect(before.item(2)!.state).toBeUndefined();
      // Scoping holds in every answer kept between calls: A sees only its own.
      expect(ids(a.downloadManager.getDownloads!())).toEqual([ida, idd]);
      expect(ids(a.downloadManager.createFilteredList(undefined, 63))).toEqual([ida, idd]);
      expect(a.downloadManager.pause!(a.downloadManager.getDownloads!()!.item(0)!)).toBe(true);
      expect(ids(a.downloadManager.createFilteredList(undefined, 4))).toEqual([ida]);
      expect(ids(b.downloadManager.createFilteredList(undefined, 4))).toEqual([ida, idb]);
      expect(idc).not.toBe(idd);
      expect(m.mismatches).toEqual([]);
    },
  );

  it(
    verifies(
      ['DAE-GET-1', 'DAE-GET-3', 'DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4', 'DAE-EVT-1'],
      'applications from different origins with different permissions see what the rules allow',
    ),
    async () => {
      const m = await manager({ transfers: false, maxActive: 1 });
      const a = m.application(APP_A);
      const a2 = m.application(APP_A2);
      const b = m.application(APP_B);
      const heardByA: string[] = [];
      a.downloadManager.onDownloadStateChange = (item) => heardByA.push(item.id!);
      const ida = a.downloadTrigger.registerDownloadURL('http://cdn.example/a', 'video/mp4')!;
      const ida2 = a2.downloadTrigger.registerDownloadURL('http://cdn.example/a2', 'video/mp4')!;
      const idb = b.downloadTrigger.registerDownloadURL('http://cdn.example/b', 'video/mp4')!;
      const ids = (c: { length: number; item(i: number): DaeDownload | undefined } | null) =>
        Array.from({ length: c?.length ?? 0 }, (_, i) => c!.item(i)!.id);
      expect(ids(a.downloadManager.getDownloads!())).toEqual([ida]);
      expect(ids(a2.downloadManager.getDownloads!(null))).toEqual([ida, ida2]);
      expect(ids(b.downloadManager.getDownloads!())).toEqual([ida, ida2, idb]);
      expect(ids(b.downloadManager.getDownloads!(ida))).toEqual([ida]);
      expect(ids(a.downloadManager.getDownloads!(idb))).toEqual([]);
      expect(ids(a.downloadManager.createFilteredList(true, 63))).toEqual([ida]);
      expect(ids(a2.downloadManager.createFilteredList(true, 63))).toEqual([ida, ida2]);
      expect(ids(a2.downloadManager.createFilteredList(false, 63))).toEqual([]);
      expect(ids(b.downloadManager.createFilteredList(false, 63))).toEqual([ida, ida2]);
      expect(ids(b.downloadManager.createFilteredList(true, 63))).toEqual([idb]);
      expect(ids(b.downloadManager.createFilteredList(undefined, 2))).toEqual([ida]);
      expect(ids(b.downloadManager.createFilteredList(undefined, 16))).toEqual([ida2, idb]);
      const foreign = b.downloadManager.getDownloads!(idb)!.item(0)!;
      expect(a.downloadManager.pause!(foreign)).toBe(false);
      expect(a.downloadManager.remove(foreign)).toBe(false);
      expect(b.downloadManager.pause!(foreign)).toBe(true);
      await waitFor(() => heardByA.length >= 2, 'notifications');
      expect(new Set(heardByA)).toEqual(new Set([ida]));
      expect(m.mismatches).toEqual([]);
    },
  );

  it(
    verifies(
      ['DAE-RESERVE-5', 'DAE-PROP-1', 'DAE-PROP-2', 'DAE-RESERVE-1'],
      'a download beyond the reservation fails with reason 0 and keeps nothing',
    ),
    async () => {
      const { s, dir } = await server();
      await mediaFile(dir, 'huge.bin', 2 * MB);
      const m = await manager({ capacityBytes: 64 * MB });
      const { downloadTrigger, downloadManager } = m.application(APP_A);
      expect(downloadManager.hasReserved).toBe(-1);
      expect(downloadManager.reserve(MB)).toBe(downloadManager.RESERVE_OK);
      expect(m.context().lastResult).toEqual({ method: 'reserve', orgId: 'orgA', value: 0 });
      expect(downloadManager.reserve(1000 * MB)).toBe(downloadManager.RESERVE_TOO_LARGE);
      expect([downloadManager.hasReserved, downloadManager.allocated]).toEqual([1, 0]);
      expect(downloadManager.discInfo).toMatchObject({ total: 64, reserved: 1 });
      expect(downloadTrigger.checkDownloadPossible(MB)).toBe(true);
      expect(downloadTrigger.checkDownloadPossible(2 * MB)).toBe(false);
      const id = downloadTrigger.registerDownloadURL(`${s.url}/media/huge.bin`, 'video/mp4')!;
      await m.whenIdle();
      const d = downloadManager.getDownloads!(id)!.item(0)!;
      expect([d.state, d.reason, d.amountDownloaded]).toEqual([8, 0, 0]);
      expect(await fs.readdir(`${m.dir}/files`).catch(() => [])).toEqual([]);
    },
  );

  it(
    verifies(
      ['HBB-PROFILE-1', 'HBB-RESERVE-1'],
      'HbbTV profile: dropped members are absent, the rest work, priority is accepted',
    ),
    async () => {
      const { s, dir } = await server();
      await mediaFile(dir, 'ep.bin', 10_000);
      const m = await manager({ profile: 'hbbtv' });
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      for (const member of ['discInfo', 'pause', 'resume', 'getDownloads', 'updateRegisteredDownload'])
        expect(member in downloadManager, member).toBe(false);
      expect(typeof downloadManager.remove).toBe('function');
      expect(downloadManager.reserve(-5)).toBe(downloadManager.RESERVE_UNKNOWN);
      expect(downloadManager.hasReserved).toBe(-1);
      const id = downloadTrigger.registerDownloadURL(`${s.url}/media/ep.bin`, 'video/mp4', null, 7)!;
      await m.whenIdle();
      const d = downloadManager.createFilteredList(undefined, 1).item(0)!;
      expect([d.id, d.priority, d.errorLevel, d.flaggedForDeletion]).toEqual([id, 7, 0, false]);
      d.flaggedForDeletion = true;
      expect(d.flaggedForDeletion).toBe(true);
    },
  );

  it(
    verifies(
      ['DAE-EVT-1', 'DAE-EVT-2'],
      'DownloadStateChange: a real DOM event, no bubbling, not cancellable, useCapture ignored',
    ),
    async () => {
      const m = await manager({ transfers: false, maxActive: 1 });
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      expect(downloadManager).toBeInstanceOf(EventTarget);
      const events: Event[] = [];
      const calls: unknown[][] = [];
      const captured = (e: Event) => events.push(e);
      downloadManager.addEventListener('DownloadStateChange', captured, true);
      downloadManager.onDownloadStateChange = (...args) => calls.push(args);
      const id = downloadTrigger.registerDownloadURL('http://cdn.example/x', 'video/mp4')!;
      const d = downloadManager.getDownloads!(id)!.item(0)!;
      downloadManager.pause!(d);
      await waitFor(() => events.length === 3, 'three events');
      const e = events[0] as Event & { item: DaeDownload; state: number; reason: number | undefined };
      expect([e.type, e.bubbles, e.cancelable, e.item, e.state, e.reason]).toEqual([
        'DownloadStateChange',
        false,
        false,
        d,
        16,
        undefined,
      ]);
      expect(calls.map((c) => c[1])).toEqual([16, 2, 4]);
      expect(calls[0]?.[0]).toBe(d);
      downloadManager.removeEventListener('DownloadStateChange', captured, true);
      downloadManager.resume!(d);
      await waitFor(() => calls.length === 4, 'resume event');
      expect(events).toHaveLength(3);
      expect(downloadTrigger.registerDownloadURL('', 'video/mp4')).toBeUndefined();
      expect(m.context().lastResult?.value).toBeUndefined();
      expect(
        downloadTrigger.registerDownload('<!DOCTYPE x><ContentAccessDownloadDescriptor/>'),
      ).toBeUndefined();
      const viaCadd = downloadTrigger.registerDownload(
        '<ContentAccessDownloadDescriptor><ContentItem><ContentURL>http://cdn.example/m.ts</ContentURL><Title>M</Title><Synopsis>S</Synopsis></ContentItem></ContentAccessDownloadDescriptor>',
      )!;
      const c = downloadManager.getDownloads!(viaCadd)!.item(0)!;
      expect([c.name, c.description, c.contentURL, c.transferType]).toEqual([
        'M',
        'S',
        'http://cdn.example/m.ts',
        'full_download',
      ]);
      expect(m.mismatches).toEqual([]);
    },
  );
});
