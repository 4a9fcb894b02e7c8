import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import { createDownloadManager } from './manager.js';
import { LEGACY_REGISTRY_FILE, REGISTRY_DB, Registry } from './registry.js';
import { ALL_APP, mediaFile, tempDir, waitFor } from './test-support.js';
import { partialPathOf } from './transfers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function home(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function server(bytesPerSecond?: number): Promise<{ s: DownloadServer; dir: string }> {
  const dir = await home();
  const s = await startDownloadServer({ dir, faults: bytesPerSecond ? { bytesPerSecond } : {} });
  cleanups.push(() => s.close());
  return { s, dir };
}

/** A paused download entry as the previous version's registry.json stored it. */
const LEGACY = {
  version: 1,
  nextId: 8,
  downloads: [
    {
      id: '7',
      appId: 'portal',
      origin: 'portal.example',
      orgId: 'operator',
      contentType: 'video/mp4',
      descriptorPending: false,
      value: { paused: 'byApp' },
      context: {
        id: '7',
        url: 'http://127.0.0.1:9/a.mp4',
        totalSize: 1000,
        bytesReceived: 0,
        priority: 0,
        stallAttempts: 0,
        profile: 'oipf',
      },
    },
  ],
  reservations: { operator: 5000 },
  meta: { '7': { appId: 'portal', origin: 'portal.example', registeredAt: '2026-01-01T00:00:00.000Z' } },
};

describe('download-manager registry (SQLite)', () => {
  it(verifies(
    ['DAE-STATE-1', 'DAE-UPDATE-2'],
    'kill -9 of the manager process three times mid-transfer: the registry opens every time (the dead holder drops its lock), loses at most one checkpoint of bytes, and the file ends byte-identical',
  ), async () => {
    const { s, dir } = await server(600_000);
    const size = 2 * 1024 * 1024;
    const bytes = await mediaFile(dir, 'big.bin', size);
    const where = await home();
    const script = fileURLToPath(new URL('./fixtures/child-manager.ts', import.meta.url));
    const flushEveryBytes = 32 * 1024; // the child's checkpoint interval
    let lastRange = 0;
    for (const [round, after] of [150_000, 600_000, 1_100_000].entries()) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, where, `${s.url}/media/big.bin`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanups.push(async () => void child.kill('SIGKILL'));
      let durable = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/durable (\d+)/g)) durable = Number(m[1]);
      });
      await waitFor(() => durable > after, `round ${round}: the child to keep ${after} bytes`, 30_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // What the data file held at the kill, against what the registry names after it.
      const onDisk = (await fs.stat(partialPathOf(path.join(where, 'partial'), '1'))).size;
      const m = await createDownloadManager({ dir: where, maxActive: 1, transfers: false });
      const [view] = m.views();
      await m.close();
      expect(view?.amountDownloaded, `round ${round}`).toBeGreaterThanOrEqual(lastRange);
      expect(onDisk - view!.amountDownloaded, `round ${round}: bytes lost`).toBeLessThanOrEqual(
        flushEveryBytes,
      );
      lastRange = view!.amountDownloaded;
    }
    const db = new Database(path.join(where, REGISTRY_DB), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const m = await createDownloadManager({ dir: where, maxActive: 1 });
    cleanups.push(() => m.close());
    await m.whenIdle();
    const range = s.requests.at(-1)?.headers.range;
    expect(range).toBe(`bytes=${lastRange}-`);
    // Buffer.equals: a deep toEqual over 2 MiB takes half a minute.
    expect((await fs.readFile(m.metaOf('1')!.filePath!)).equals(bytes)).toBe(true);
  }, 120_000);

  it('a trickling body is checkpointed by time: after kill -9 the registry names progress although far fewer than flushEveryBytes arrived', async () => {
    // 64 KiB pieces at 100 kB/s: 2 MiB take about 21 s; nothing reaches the size bound (64 MiB).
    const { s, dir } = await server(100_000);
    const size = 2 * 1024 * 1024;
    await mediaFile(dir, 'slow.bin', size);
    const where = await home();
    const script = fileURLToPath(new URL('./fixtures/child-manager.ts', import.meta.url));
    const args = [where, `${s.url}/media/slow.bin`, String(64 * 1024 * 1024), '200'];
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => void child.kill('SIGKILL'));
    let durable = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/durable (\d+)/g)) durable = Number(m[1]);
    });
    await waitFor(() => durable > 0, 'a checkpoint by time while the body trickles', 15_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // No close ran: the registry holds only what the child committed.
    const m = await createDownloadManager({ dir: where, maxActive: 1, transfers: false });
    const [view] = m.views();
    await m.close();
    expect(view?.state).toBe(2);
    expect(view?.amountDownloaded).toBeGreaterThan(0);
    expect(view?.amountDownloaded).toBeLessThan(size);
    const onDisk = (await fs.stat(partialPathOf(path.join(where, 'partial'), '1'))).size;
    expect(onDisk).toBeGreaterThanOrEqual(view!.amountDownloaded);
  }, 60_000);

  it('a write is kept by the registry at once; sync() fdatasyncs its WAL, one at a time, shared by callers', async () => {
    const dir = await home();
    const registry = await Registry.open(dir);
    try {
      const entry = {
        ...LEGACY.downloads[0]!,
        context: { ...LEGACY.downloads[0]!.context, bytesReceived: 500 },
      };
      registry.write({ downloads: new Map([['7', entry as never]]), meta: new Map() });
      expect(registry.load().downloads.map((d) => d.context.bytesReceived)).toEqual([500]);
      // Three callers while none runs: the first starts one; the others share the next one.
      const syncs = [registry.sync(), registry.sync(), registry.sync()];
      expect(syncs[1]).toBe(syncs[2]);
      expect(syncs[0]).not.toBe(syncs[1]);
      await Promise.all(syncs);
      expect(registry.walSyncs).toBe(2);
      // A later sync runs again, on the WAL still open (SQLite reuses the file while the database is open).
      await registry.sync();
      expect(registry.walSyncs).toBe(3);
    } finally {
      registry.close();
    }
  });

  it('a registry.json of the previous version is imported once, then kept aside', async () => {
    const dir = await home();
    await fs.writeFile(path.join(dir, LEGACY_REGISTRY_FILE), JSON.stringify(LEGACY));
    const first = await createDownloadManager({ dir, transfers: false });
    expect(first.views().map((v) => [v.id, v.state])).toEqual([['7', 4]]);
    expect(first.context().reservations).toEqual({ operator: 5000 });
    expect(
      first.application(ALL_APP).downloadTrigger.registerDownloadURL('http://x.example/b', 'video/mp4'),
    ).toBe('8');
    await first.close();
    const files = await fs.readdir(dir);
    expect(files).toContain(`${LEGACY_REGISTRY_FILE}.imported`);
    expect(files).not.toContain(LEGACY_REGISTRY_FILE);
    // A second copy of the old document (a user restoring a backup) is not imported over newer state.
    await fs.writeFile(path.join(dir, LEGACY_REGISTRY_FILE), JSON.stringify(LEGACY));
    const second = await createDownloadManager({ dir, transfers: false });
    cleanups.push(() => second.close());
    expect(second.views().map((v) => v.id)).toEqual(['7', '8']);
  });

  it('one manager per directory: a second is refused while the first runs; a stale manager.lock naming a live (reused) PID does not block', async () => {
    const dir = await home();
    // The previous version's lock file, naming a PID that is alive now (ours): it must not block.
    await fs.writeFile(path.join(dir, 'manager.lock'), `${process.pid}\n`);
    const first = await createDownloadManager({ dir, transfers: false });
    await expect(createDownloadManager({ dir, transfers: false })).rejects.toThrow(
      /in use by another dlstate download manager/,
    );
    await first.close();
    const again = await createDownloadManager({ dir, transfers: false });
    await again.close();
  });

  it('an entry in a state this version does not know is reported and kept, not hidden with its data orphaned', async () => {
    const dir = await home();
    const m = await createDownloadManager({ dir, transfers: false });
    m.application(ALL_APP).downloadTrigger.registerDownloadURL('http://x.example/a', 'video/mp4');
    await m.close();
    const db = new Database(path.join(dir, REGISTRY_DB));
    const row = db.prepare('SELECT entry FROM downloads WHERE id = ?').get('1') as { entry: string };
    const odd = { ...JSON.parse(row.entry), value: 'teleporting' };
    db.prepare('UPDATE downloads SET entry = ? WHERE id = ?').run(JSON.stringify(odd), '1');
    db.close();
    const listed = bufferIo();
    expect(await runCli(['manager', 'list', '--dir', dir], listed)).toBe(0);
    expect(listed.text.err).toMatch(/registry entry 1 not loaded: unknown state "teleporting"/);
    const again = await createDownloadManager({ dir, transfers: false });
    expect(again.views()).toEqual([]);
    expect(again.unreadable).toEqual([
      { id: '1', problem: expect.stringMatching(/unknown state "teleporting"/) },
    ]);
    await again.close();
    const check = new Database(path.join(dir, REGISTRY_DB), { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM downloads').get()).toEqual({ n: 1 });
    check.close();
    const third = await createDownloadManager({ dir, transfers: false });
    expect(third.dropUnreadable(['1'])).toBe(1);
    expect(third.unreadable).toEqual([]);
    await third.close();
  });

  it('a data file no registry row names (a removed download’s, its unlink undone by a power cut) is deleted at a transferring start; named ones, unreadable entries’ included, are kept', async () => {
    const dir = await home();
    const m = await createDownloadManager({ dir, transfers: false });
    const trigger = m.application(ALL_APP).downloadTrigger;
    const manager = m.application(ALL_APP).downloadManager;
    const kept = trigger.registerDownloadURL('http://x.example/a', 'video/mp4')!;
    const odd = trigger.registerDownloadURL('http://x.example/b', 'video/mp4')!;
    // Paused: the restart below starts no transfer that would rewrite their files.
    for (const id of [kept, odd]) expect(manager.pause?.(manager.downloadFor(id))).toBe(true);
    await m.close();
    // The second entry in a state this version cannot run: reported as unreadable, its data left alone.
    const db = new Database(path.join(dir, REGISTRY_DB));
    const row = db.prepare('SELECT entry FROM downloads WHERE id = ?').get(odd) as { entry: string };
    db.prepare('UPDATE downloads SET entry = ? WHERE id = ?').run(
      JSON.stringify({ ...JSON.parse(row.entry), value: 'teleporting' }),
      odd,
    );
    db.close();
    const partial = path.join(dir, 'partial');
    await fs.mkdir(partial, { recursive: true });
    for (const id of [kept, odd, '999']) await fs.writeFile(partialPathOf(partial, id), `bytes of ${id}`);
    // A bookkeeping start (no transfers, as the CLI's list) deletes nothing.
    const listing = await createDownloadManager({ dir, transfers: false });
    await listing.close();
    expect((await fs.readdir(partial)).length).toBe(3);
    const running = await createDownloadManager({ dir });
    cleanups.push(() => running.close());
    expect(running.unreadable.map((u) => u.id)).toEqual([odd]);
    expect((await fs.readdir(partial)).sort()).toEqual(
      [path.basename(partialPathOf(partial, kept)), path.basename(partialPathOf(partial, odd))].sort(),
    );
    expect(await fs.readFile(partialPathOf(partial, kept), 'utf8')).toBe(`bytes of ${kept}`);
  });

  it('a registry naming a file outside the manager directory is refused', async () => {
    const dir = await home();
    const legacy = {
      ...LEGACY,
      meta: { '7': { ...LEGACY.meta['7'], filePath: '/etc/passwd' } },
    };
    await fs.writeFile(path.join(dir, LEGACY_REGISTRY_FILE), JSON.stringify(legacy));
    await expect(createDownloadManager({ dir, transfers: false })).rejects.toThrow(
      /names the file \/etc\/passwd, outside .*refused/,
    );
    await expect(fs.stat('/etc/passwd')).resolves.toBeDefined();
  });
});
