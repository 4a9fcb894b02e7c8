import { promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OipfManagerEvent } from '../../machines/oipf/index.js';
import { verifies } from '../../property-tests/verifies.js';
import { listen } from '../http/test-support.js';
import { KeptFile } from '../storage/kept-file.js';
import { bareEngine, isGone, openOn, pattern, tempDir, waitFor } from './test-support.js';
import { MAX_TIMER_MS, partialPathOf } from './transfers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const DAY = 24 * 60 * 60 * 1000;

describe('transfer engine timers', () => {
  it('a downloadStart 40 days ahead fires after 40 days, not at once (setTimeout caps at 24.8 days: the wait is chained)', async () => {
    vi.useFakeTimers();
    const sent: OipfManagerEvent[] = [];
    const e = bareEngine(sent);
    e.startTimer({ downloadId: '1', name: 'start', ms: 40 * DAY });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(sent, 'after 24.8 days').toEqual([]);
    await vi.advanceTimersByTimeAsync(40 * DAY - MAX_TIMER_MS - 1000 - 1);
    expect(sent, 'one millisecond early').toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ type: 'TIMER.FIRED', downloadId: '1', name: 'start' }]);
  });

  it('cancelling a chained timer in its second link stops it', async () => {
    vi.useFakeTimers();
    const sent: OipfManagerEvent[] = [];
    const e = bareEngine(sent);
    e.startTimer({ downloadId: '1', name: 'start', ms: 30 * DAY });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1000);
    e.cancelTimer({ downloadId: '1', name: 'start' });
    await vi.advanceTimersByTimeAsync(10 * DAY);
    expect(sent).toEqual([]);
  });
});

/** A server that holds each request until the test answers it. */
async function holdingServer() {
  const held: http.ServerResponse[] = [];
  const closed: boolean[] = [];
  const s = await listen((req, res) => {
    const i = held.length;
    closed.push(false);
    req.socket.once('close', () => {
      closed[i] = true;
    });
    held.push(res);
  });
  cleanups.push(() => s.close());
  return { base: s.base, held, closed };
}

/**
 * Starts a transfer of download `id` from a server that holds its request, into a fresh partial directory
 * (`prepare` may put something in its way first); resolves once the request reached the server.
 */
async function transferTo(id: string, prepare?: (partialDir: string) => Promise<void>) {
  const { base, held, closed } = await holdingServer();
  const partialDir = path.join(await tempDir(), 'partial');
  await prepare?.(partialDir);
  const sent: OipfManagerEvent[] = [];
  // With `prepare`, the partial directory's own sweep may report it as unusable too: recorded, not thrown.
  const reported: unknown[] = [];
  const e = bareEngine(sent, {
    partialDir,
    ...(prepare ? { onError: (error) => reported.push(error) } : {}),
  });
  cleanups.push(() => e.close());
  e.startTransfer({ downloadId: id, url: `${base}/${id}`, fromByte: 0, ifMatch: undefined });
  await waitFor(() => held.length === 1, 'the request');
  return { held, closed, sent, file: partialPathOf(partialDir, id), engine: e };
}

describe.skipIf(process.platform !== 'linux')(
  'transfer engine: the data file is opened while the request is out',
  () => {
    it('creates and opens the partial file before the response comes; writes the body into it; closes it', async () => {
      const { held, sent, file } = await transferTo('1');
      // No response yet, and the file is there, open: a create waiting for metadata other fsyncs write overlaps
      // the request.
      await waitFor(() => openOn(file) === 1, 'the data file open while the request is out');
      expect(sent).toEqual([]);
      const body = pattern(50_000, 3);
      held[0]!.writeHead(200, { 'content-length': String(body.length) }).end(body);
      await waitFor(() => sent.some((ev) => ev.type === 'TRANSFER.COMPLETE'), 'TRANSFER.COMPLETE');
      expect(sent[0]).toMatchObject({ type: 'TRANSFER.HEADERS', status: 200 });
      expect(sent.at(-1)).toEqual({ type: 'TRANSFER.COMPLETE', downloadId: '1', bytesDurable: body.length });
      await waitFor(() => openOn(file) === 0, 'the data file closed');
      expect((await fs.readFile(file)).equals(body)).toBe(true);
    });

    it('a response without content closes the file opened for it (no descriptor leaks)', async () => {
      const { held, sent, file } = await transferTo('2');
      await waitFor(() => openOn(file) === 1, 'the data file open');
      held[0]!.writeHead(404, { 'content-length': '9' }).end('not found');
      await waitFor(() => sent.length === 1, 'TRANSFER.HEADERS');
      expect(sent[0]).toMatchObject({ type: 'TRANSFER.HEADERS', status: 404 });
      await waitFor(() => openOn(file) === 0, 'the unused data file closed');
      expect((await fs.stat(file)).size, 'created empty').toBe(0);
    });

    it(
      verifies(
        'DAE-REMOVE-1',
        'a transfer stopped while its open is still running ends only once the open did: a delete after it leaves no file',
      ),
      async () => {
        // The data file's open held until released (a create waiting for metadata other fsyncs are writing).
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let opened: Promise<unknown> | undefined;
        const original = KeptFile.prototype.open;
        const spy = vi.spyOn(KeptFile.prototype, 'open').mockImplementation(function (
          this: KeptFile,
          options,
        ) {
          opened = gate.then(() => original.call(this, options));
          return opened as ReturnType<KeptFile['open']>;
        });
        let discarded = false;
        const originalDiscard = KeptFile.prototype.discard;
        const discard = vi.spyOn(KeptFile.prototype, 'discard').mockImplementation(function (this: KeptFile) {
          discarded = true;
          return originalDiscard.call(this);
        });
        cleanups.push(async () => {
          spy.mockRestore();
          discard.mockRestore();
        });
        const { sent, file, engine } = await transferTo('4');
        // What remove() requests of a transfer in progress: stop it, then delete its data (chained after it).
        engine.stopTransfer({ downloadId: '4' });
        engine.deleteData({ downloadId: '4' });
        // The delete must wait for the transfer's step, which must wait for its open: give it the chance not to.
        await waitFor(() => discarded, 'the delete running early', 300).catch(() => {});
        release();
        await opened?.catch(() => {});
        await waitFor(() => isGone(file), 'the data file deleted', 2000);
        // Still gone once every step ran (the open created it before the delete, not after).
        await engine.close();
        await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);
        expect(sent).toEqual([]);
      },
    );

    it('a data file that cannot be opened fails the transfer and aborts its response', async () => {
      // The partial "directory" is a file: the open fails with ENOTDIR (not a missing directory it could make).
      const { held, closed, sent } = await transferTo('3', (partialDir) =>
        fs.writeFile(partialDir, 'not a directory'),
      );
      held[0]!.writeHead(200, { 'content-length': '1000000' }).write(pattern(1000, 1));
      await waitFor(() => sent.some((ev) => ev.type === 'TRANSFER.FAILED'), 'TRANSFER.FAILED');
      expect(sent.at(-1)).toMatchObject({ type: 'TRANSFER.FAILED', downloadId: '3', kind: 'permanent' });
      expect((sent.at(-1) as { cause: string }).cause).toMatch(/ENOTDIR/);
      await waitFor(() => closed[0] === true, 'the response’s connection closed');
    });
  },
);
