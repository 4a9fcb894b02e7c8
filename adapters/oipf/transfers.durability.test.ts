/**
 * A transfer is complete, and its slot free, once its last byte is written; its final fdatasync runs after. These
 * tests hold (or fail) that fdatasync — `fdatasyncFd` on a `.part` file, wrapped — to show what must wait for it
 * and what need not.
 */
import { promises as fs, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OipfManagerEvent } from '../../machines/oipf/index.js';
import { verifies } from '../../property-tests/verifies.js';
import { listen, pendingAfter } from '../http/test-support.js';
import { createDownloadManager } from './manager.js';
import { ALL_APP, bareEngine, openOn, pattern, tempDir, waitFor } from './test-support.js';
import { partialPathOf } from './transfers.js';

const gate = vi.hoisted(() => ({
  /** Hold every `.part` fdatasync until released. */
  hold: false,
  /** Fail every `.part` fdatasync with EIO. */
  fail: false,
  released: [] as (() => void)[],
  heldSyncs: 0,
  /** WAL fdatasyncs started while a `.part` one was held. */
  walSyncsWhileHeld: 0,
}));

vi.mock('../storage/flush.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../storage/flush.js')>();
  return {
    ...real,
    fdatasyncFd: async (fd: number) => {
      const file = readlinkSync(`/proc/self/fd/${fd}`);
      if (file.endsWith('.part')) {
        if (gate.fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        if (gate.hold) {
          gate.heldSyncs += 1;
          await new Promise<void>((resolve) => gate.released.push(resolve));
        }
      } else if (file.endsWith('-wal') && gate.released.length > 0) gate.walSyncsWhileHeld += 1;
      return real.fdatasyncFd(fd);
    },
  };
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  gate.hold = false;
  gate.fail = false;
  for (const release of gate.released.splice(0)) release();
  gate.heldSyncs = 0;
  gate.walSyncsWhileHeld = 0;
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function origin(bodies: Buffer[]) {
  const requests: string[] = [];
  const s = await listen((req, res) => {
    requests.push(req.url ?? '');
    res.end(bodies[Number(req.url?.slice(1))]);
  });
  cleanups.push(() => s.close());
  return { base: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`, requests };
}

describe.skipIf(process.platform !== 'linux')('the final fdatasync of a complete transfer', () => {
  it(
    verifies(
      ['DAE-STATE-1'],
      'runs after the slot went to the next download; every registry sync and the move wait for it',
    ),
    async () => {
      const bodies = [pattern(300_000, 1), pattern(300_000, 2)];
      const { base, requests } = await origin(bodies);
      const dir = await tempDir();
      const m = await createDownloadManager({ dir, maxActive: 1, flushEveryMs: 50 });
      cleanups.push(() => m.close());
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      await m.flush();
      gate.hold = true;
      const a = downloadTrigger.registerDownloadURL(`${base}/0`, 'video/mp4')!;
      const b = downloadTrigger.registerDownloadURL(`${base}/1`, 'video/mp4')!;
      // A's bytes are all written, its fdatasync held: its slot went to B, whose request reached the server.
      await waitFor(() => gate.heldSyncs >= 1 && requests.length === 2, 'B to start while A is made durable');
      const viewA = downloadManager.getDownloads!(a)!.item(0)!;
      expect(viewA.state).toBe(2);
      expect(m.metaOf(a)?.filePath).toBeUndefined();
      // Nothing durable may count A's bytes yet: no registry sync runs, a flush waits (well past flushEveryMs).
      expect(await pendingAfter(m.flush(), 300)).toBe(true);
      expect(gate.walSyncsWhileHeld).toBe(0);
      const flushed = m.flush();
      gate.hold = false;
      for (const release of gate.released.splice(0)) release();
      await flushed;
      await m.whenIdle();
      for (const [i, id] of [a, b].entries()) {
        expect(downloadManager.getDownloads!(id)!.item(0)!.state).toBe(1);
        expect(await fs.readFile(m.metaOf(id)!.filePath!)).toEqual(bodies[i]);
      }
    },
  );

  it(
    verifies(
      ['DAE-STATE-2'],
      'a final fdatasync that fails fails the download (reason 4): its bytes are not known to be on disk',
    ),
    async () => {
      const body = pattern(200_000, 3);
      const { base } = await origin([body]);
      const errors: unknown[] = [];
      const m = await createDownloadManager({
        dir: await tempDir(),
        maxActive: 1,
        onError: (error) => errors.push(error),
      });
      cleanups.push(() => m.close());
      const { downloadTrigger, downloadManager } = m.application(ALL_APP);
      gate.fail = true;
      const id = downloadTrigger.registerDownloadURL(`${base}/0`, 'video/mp4')!;
      const view = downloadManager.getDownloads!(id)!.item(0)!;
      await waitFor(() => view.state === 8, 'the download to fail');
      expect(view.reason).toBe(4);
      expect(m.metaOf(id)?.filePath).toBeUndefined();
      expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('EIO');
    },
  );
  it('the engine’s close() waits for a final fdatasync still running; the file is closed after it', async () => {
    const body = pattern(150_000, 4);
    const { base } = await origin([body]);
    const partialDir = path.join(await tempDir(), 'partial');
    const sent: OipfManagerEvent[] = [];
    const engine = bareEngine(sent, {
      partialDir,
      filesDir: path.join(partialDir, '..', 'files'),
      flushEveryBytes: 32 * 1024 * 1024,
    });
    gate.hold = true;
    engine.startTransfer({ downloadId: '1', url: `${base}/0`, fromByte: 0, ifMatch: undefined });
    await waitFor(
      () => gate.heldSyncs >= 1 && sent.some((e) => e.type === 'TRANSFER.COMPLETE'),
      'complete, its final fdatasync held',
    );
    const part = partialPathOf(partialDir, '1');
    const closing = engine.close();
    expect(await pendingAfter(closing, 300), 'close() while the fdatasync is held').toBe(true);
    expect(openOn(part), 'the file stays open while its fdatasync runs').toBe(1);
    gate.hold = false;
    for (const release of gate.released.splice(0)) release();
    await closing;
    expect(openOn(part), 'closed once close() resolved').toBe(0);
    expect((await fs.readFile(part)).equals(body)).toBe(true);
  });
});
