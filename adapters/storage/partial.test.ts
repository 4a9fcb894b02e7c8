import { spawn } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { openGet } from '../http/client.js';
import { type Loopback, listen, pattern, tempDir } from '../http/test-support.js';
import { type Journal, PartialStore } from './partial.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, remove } = await tempDir('dlstate-partial-');
  cleanups.push(remove);
  return dir;
}

async function serve(handler: Parameters<typeof listen>[0]): Promise<Loopback> {
  const s = await listen(handler);
  cleanups.push(() => s.close());
  return s;
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

const meta = { objectUri: 'http://127.0.0.1/obj', etag: '"o/1"', length: 300, ddUrl: 'http://127.0.0.1/dd' };

describe('PartialStore', () => {
  it('writes a body, checkpointing data before the journal, and reports durable offsets', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k1');
    expect(store.journal).toBeUndefined();
    await store.begin(meta, 0);
    const seen: { offset: number; journal: number; size: number }[] = [];
    const result = await store.writeBody(chunks(pattern(100), pattern(100, 100), pattern(100, 200)), {
      flushEveryBytes: 150,
      onDurable: async (offset) => {
        const journal = JSON.parse(await fs.readFile(store.journalPath, 'utf8')) as Journal;
        seen.push({ offset, journal: journal.durableOffset, size: (await fs.stat(store.dataPath)).size });
      },
    });
    expect(result).toMatchObject({ durableOffset: 300, bytesWritten: 300, overflow: false });
    // 100-byte chunks against a 150-byte interval: a chunk is taken only once the journal covers all before it.
    expect(result.maxUnjournaledBytes).toBeLessThanOrEqual(150);
    expect(seen.map((s) => s.offset)).toEqual([100, 200, 300]);
    for (const s of seen) {
      expect(s.journal).toBe(s.offset);
      expect(s.size).toBeGreaterThanOrEqual(s.offset);
    }
    expect(store.journal).toMatchObject({ version: 1, key: 'k1', ...meta, durableOffset: 300 });
    expect(await fs.readFile(store.dataPath)).toEqual(pattern(300));
  });

  it('splits a chunk larger than the interval: never more than flushEveryBytes outside the journal', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'big-chunk');
    await store.begin(meta, 0);
    const gaps: number[] = [];
    const result = await store.writeBody(chunks(pattern(1000), pattern(10, 1000)), {
      flushEveryBytes: 150,
      onProgress: (written) => gaps.push(written - store.durableOffset),
    });
    expect(result).toMatchObject({ durableOffset: 1010, bytesWritten: 1010, overflow: false });
    expect(result.maxUnjournaledBytes).toBeLessThanOrEqual(150);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(150);
    expect(
      (await fs.readFile(store.dataPath)).equals(Buffer.concat([pattern(1000), pattern(10, 1000)])),
    ).toBe(true);
  });

  it('continues at the durable offset and keeps the prefix when the body fails', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k2');
    await store.begin(meta, 0);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield pattern(120);
      throw new Error('connection cut');
    }
    await expect(store.writeBody(failing(), { flushEveryBytes: 1_000_000 })).rejects.toThrow(
      'connection cut',
    );
    // The bytes that arrived before the failure were checkpointed although no flush interval was reached.
    expect(store.durableOffset).toBe(120);
    const again = await PartialStore.open(dir, 'k2');
    expect(again.durableOffset).toBe(120);
    await again.begin(meta, 120);
    await again.writeBody(chunks(pattern(180, 120)));
    expect(await fs.readFile(again.dataPath)).toEqual(pattern(300));
  });

  it('stops at maxOffset and says the body overflowed', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k3');
    await store.begin(meta, 0);
    let pulled = 0;
    async function* long(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield pattern(100, i * 100);
      }
    }
    const result = await store.writeBody(long(), { maxOffset: 250 });
    expect(result).toMatchObject({ durableOffset: 250, bytesWritten: 250, overflow: true });
    expect(pulled).toBe(3);
    expect((await fs.stat(store.dataPath)).size).toBe(250);
  });

  it("after a reboot, cuts data beyond the journal offset on open (bytes not fsync'd are not trusted)", async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k4', { bootId: 'boot-a' });
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(100)));
    // Bytes a crashed writer appended after its last checkpoint, then the machine rebooted.
    await fs.appendFile(store.dataPath, Buffer.alloc(50, 0xee));
    const reopened = await PartialStore.open(dir, 'k4', { bootId: 'boot-b' });
    expect(reopened.recovery).toMatchObject({ droppedBytes: 50, keptBytes: 0, journalClamped: false });
    expect(reopened.durableOffset).toBe(100);
    expect(await fs.readFile(reopened.dataPath)).toEqual(pattern(100));
    // Where the OS cannot name its boot, every restart counts as a reboot.
    await fs.appendFile(store.dataPath, Buffer.alloc(20, 0xee));
    const unnamed = await PartialStore.open(dir, 'k4', { bootId: null });
    expect(unnamed.recovery).toMatchObject({ droppedBytes: 20, keptBytes: 0 });
  });

  it("in the same boot, keeps what writeBody appended beyond the journal: fsync'd, then journaled", async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k4s', { bootId: 'boot-a' });
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(100)));
    expect(store.journal?.appendBoot).toBe('boot-a');
    // The writer was killed after handing these bytes to the kernel, before its next checkpoint.
    await fs.appendFile(store.dataPath, pattern(50, 100));
    const reopened = await PartialStore.open(dir, 'k4s', { bootId: 'boot-a' });
    expect(reopened.recovery).toMatchObject({ droppedBytes: 0, keptBytes: 50 });
    expect(reopened.durableOffset).toBe(150);
    const journal = JSON.parse(await fs.readFile(reopened.journalPath, 'utf8')) as Journal;
    expect(journal.durableOffset).toBe(150);
    expect(await fs.readFile(reopened.dataPath)).toEqual(pattern(150));

    // Never past the object's length (meta.length = 300): the rest is cut.
    await fs.appendFile(store.dataPath, pattern(200, 150));
    const capped = await PartialStore.open(dir, 'k4s', { bootId: 'boot-a' });
    expect(capped.recovery).toMatchObject({ droppedBytes: 50, keptBytes: 150 });
    expect(capped.durableOffset).toBe(300);
  });

  it('a first begin cuts any data file before its one journal write, which already names the boot (writeBody needs none)', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k4f', { bootId: 'boot-a' });
    // Bytes that are not this boot's appends (left by anything but writeBody) must not be kept by the journal.
    await fs.writeFile(store.dataPath, pattern(50));
    await store.begin(meta, 0);
    expect(store.journal).toMatchObject({ durableOffset: 0, appendBoot: 'boot-a' });
    expect((await fs.stat(store.dataPath)).size).toBe(0);
    // Killed here: the same boot reopens with nothing kept, nothing stale.
    const reopened = await PartialStore.open(dir, 'k4f', { bootId: 'boot-a' });
    expect(reopened.recovery).toMatchObject({ droppedBytes: 0, keptBytes: 0 });
    expect(reopened.durableOffset).toBe(0);
    // Without a boot id (nothing can be trusted beyond the journal) the first begin does not name one.
    const untrusting = await PartialStore.open(dir, 'k4g', { bootId: null });
    await untrusting.begin(meta, 0);
    expect(untrusting.journal?.appendBoot).toBeUndefined();
  });

  it('deferJournal: a first begin writes no journal; the first checkpoint does, and a crash before it keeps nothing', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k4d', { bootId: 'boot-a' });
    await store.begin(meta, 0, { deferJournal: true });
    await expect(fs.stat(store.journalPath)).rejects.toThrow();
    expect(store.journal).toMatchObject({ durableOffset: 0, appendBoot: 'boot-a' });
    // Killed after writing, before any checkpoint: the bytes have no journal and are not kept.
    await fs.writeFile(store.dataPath, pattern(80));
    const crashed = await PartialStore.open(dir, 'k4d', { bootId: 'boot-a' });
    expect(crashed.recovery).toMatchObject({ droppedBytes: 80, keptBytes: 0 });
    expect(crashed.journal).toBeUndefined();
    // Run to its checkpoints: the journal appears with the first one and names the boot.
    await crashed.begin(meta, 0, { deferJournal: true });
    const seen: number[] = [];
    await crashed.writeBody(chunks(pattern(100), pattern(100, 100)), {
      flushEveryBytes: 150,
      onDurable: async (offset) => {
        const journal = JSON.parse(await fs.readFile(crashed.journalPath, 'utf8')) as Journal;
        expect(journal.durableOffset).toBe(offset);
        seen.push(journal.durableOffset);
        expect(journal.appendBoot).toBe('boot-a');
      },
    });
    expect(seen).toEqual([100, 200]);
    expect(await fs.readFile(crashed.dataPath)).toEqual(pattern(200));
  });

  it('in the same boot, never keeps bytes an operation that cuts had not yet cut (no appendBoot)', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k4c', { bootId: 'boot-a' });
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(100)));
    // A restart from 40 (e.g. another object version) crashed after its journal, before cutting the data.
    const journal = JSON.parse(await fs.readFile(store.journalPath, 'utf8')) as Journal;
    delete journal.appendBoot;
    await fs.writeFile(store.journalPath, JSON.stringify({ ...journal, durableOffset: 40 }));
    const reopened = await PartialStore.open(dir, 'k4c', { bootId: 'boot-a' });
    expect(reopened.recovery).toMatchObject({ droppedBytes: 60, keptBytes: 0 });
    expect(reopened.durableOffset).toBe(40);
    // truncateTo and begin write a journal without appendBoot before cutting.
    await reopened.begin(meta, 40);
    expect(reopened.journal?.appendBoot).toBeUndefined();
  });

  it('deletes data that has no journal, and lowers a journal that claims more than the file holds', async () => {
    const dir = await scratch();
    await fs.writeFile(path.join(dir, 'orphan.part'), pattern(10));
    const orphan = await PartialStore.open(dir, 'orphan');
    expect(orphan.recovery.droppedBytes).toBe(10);
    await expect(fs.stat(orphan.dataPath)).rejects.toThrow();

    const store = await PartialStore.open(dir, 'k5');
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(100)));
    await fs.truncate(store.dataPath, 40);
    const reopened = await PartialStore.open(dir, 'k5');
    expect(reopened.recovery.journalClamped).toBe(true);
    expect(reopened.durableOffset).toBe(40);
  });

  it('drops an unparsable journal with its data', async () => {
    const dir = await scratch();
    await fs.writeFile(path.join(dir, 'k6.journal.json'), '{"version":1,');
    await fs.writeFile(path.join(dir, 'k6.part'), pattern(10));
    const store = await PartialStore.open(dir, 'k6');
    expect(store.recovery).toMatchObject({ journalInvalid: true, droppedBytes: 10 });
    expect(store.journal).toBeUndefined();
  });

  it('begin from an earlier offset cuts the data; beyond the durable offset it refuses', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k7');
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(100)));
    await expect(store.begin(meta, 101)).rejects.toThrow(RangeError);
    await store.begin({ ...meta, etag: '"o/2"' }, 30);
    expect(store.journal).toMatchObject({ etag: '"o/2"', durableOffset: 30 });
    expect((await fs.stat(store.dataPath)).size).toBe(30);
    await store.truncateTo(10);
    expect(store.durableOffset).toBe(10);
    expect((await fs.stat(store.dataPath)).size).toBe(10);
    await expect(store.truncateTo(11)).rejects.toThrow(RangeError);
  });

  it(
    verifies(
      ['DL-PR-5', 'DL-INST-2'],
      'the kept range stays in the state directory until commit moves it atomically',
    ),
    async () => {
      const dir = await scratch();
      const out = await scratch();
      const finalPath = path.join(out, 'sub', 'photo.gif');
      const store = await PartialStore.open(path.join(dir, 'state'), 'k8');
      await store.begin(meta, 0);
      await store.writeBody(chunks(pattern(300)));
      await expect(fs.stat(finalPath)).rejects.toThrow();
      await store.commit(finalPath);
      expect(await fs.readFile(finalPath)).toEqual(pattern(300));
      await expect(fs.stat(store.dataPath)).rejects.toThrow();
      await expect(fs.stat(store.journalPath)).rejects.toThrow();
      expect(store.journal).toBeUndefined();
      expect(await fs.readdir(path.join(dir, 'state'))).toEqual([]);
    },
  );

  it('commit { recordTarget: false } moves the data and removes the journal; a crash after its rename leaves an empty store', async () => {
    const dir = await scratch();
    const finalPath = path.join(dir, 'out', 'done.bin');
    const store = await PartialStore.open(path.join(dir, 'state'), 'k9r');
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(30)));
    const before = store.journal!;
    await store.commit(finalPath, { recordTarget: false });
    expect(await fs.readFile(finalPath)).toEqual(pattern(30));
    expect(await fs.readdir(path.join(dir, 'state'))).toEqual([]);
    // The state a crash right after the rename leaves: the journal as before, the data moved.
    await fs.writeFile(store.journalPath, JSON.stringify(before));
    const reopened = await PartialStore.open(path.join(dir, 'state'), 'k9r');
    expect(reopened.recovery.committedTo).toBeUndefined();
    expect(reopened.durableOffset).toBe(0);
    expect(await fs.readFile(finalPath)).toEqual(pattern(30));
  });

  it('finishes a commit whose journal removal a crash interrupted', async () => {
    const dir = await scratch();
    const finalPath = path.join(dir, 'done.bin');
    const store = await PartialStore.open(dir, 'k9');
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(20)));
    // The state just after the rename of a commit: journal marked, data moved.
    const journal = { ...store.journal!, committedTo: finalPath };
    await fs.writeFile(store.journalPath, JSON.stringify(journal));
    await fs.rename(store.dataPath, finalPath);
    const reopened = await PartialStore.open(dir, 'k9');
    expect(reopened.recovery.committedTo).toBe(finalPath);
    expect(reopened.journal).toBeUndefined();
    await expect(fs.stat(reopened.journalPath)).rejects.toThrow();
  });

  it('discard deletes the journal and the data', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'k10');
    await store.begin(meta, 0);
    await store.writeBody(chunks(pattern(50)));
    await store.discard();
    expect(store.journal).toBeUndefined();
    expect(await fs.readdir(dir)).toEqual([]);
    expect((await PartialStore.open(dir, 'k10')).journal).toBeUndefined();
  });

  it('refuses keys that could escape the state directory', async () => {
    const dir = await scratch();
    await expect(PartialStore.open(dir, '../x')).rejects.toThrow('invalid store key');
    await expect(PartialStore.open(dir, '')).rejects.toThrow('invalid store key');
  });

  it('streams 2 MiB from a slow server, buffering at most two write batches ahead of the disk', async () => {
    const total = 2 * 1024 * 1024;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const part = pattern(Math.min(32 * 1024, total - sent), sent);
          sent += part.length;
          // Slow sender that honours backpressure: wait for drain, else a short pause.
          if (!res.write(part)) return void res.once('drain', pump);
          return void setTimeout(pump, 1);
        }
        res.end();
      };
      pump();
    });
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'big');
    await store.begin({ objectUri: s.base }, 0);
    const res = await openGet(s.base);
    let yielded = 0;
    let checks = 0;
    const mismatches: string[] = [];
    async function* watched(): AsyncGenerator<Uint8Array> {
      for await (const chunk of res.body) {
        // Bounded memory: the writer asks for more only while at most two batches (one being written, one
        // filling) are not on disk yet.
        const size = (await fs.stat(store.dataPath)).size;
        checks++;
        if (yielded - size > 2 * 64 * 1024) mismatches.push(`asked at ${yielded} with ${size} on disk`);
        yielded += chunk.byteLength;
        yield chunk;
      }
    }
    const result = await store.writeBody(watched(), { flushEveryBytes: 256 * 1024 });
    expect(mismatches).toEqual([]);
    expect(checks).toBeGreaterThan(8);
    expect(result.durableOffset).toBe(total);
    expect(result.maxUnjournaledBytes).toBeLessThanOrEqual(256 * 1024);
    expect((await fs.readFile(store.dataPath)).equals(pattern(total))).toBe(true);
  });
});

describe('durability bound', () => {
  it('never holds more than flushEveryBytes unjournaled from a source that never waits', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'fast');
    await store.begin({ objectUri: 'http://127.0.0.1/fast' }, 0);
    const flushEvery = 1024 * 1024;
    const total = 24 * 1024 * 1024;
    const chunk = 64 * 1024;
    let received = 0;
    let worst = 0;
    async function* fast(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < total; at += chunk) {
        received += chunk;
        worst = Math.max(worst, received - store.durableOffset);
        yield pattern(chunk, at);
      }
    }
    let checkpoints = 0;
    const durable: number[] = [];
    const result = await store.writeBody(fast(), {
      flushEveryBytes: flushEvery,
      onDurable: (offset) => {
        checkpoints++;
        durable.push(offset);
      },
    });
    expect(result.durableOffset).toBe(total);
    // The bound the benchmark relies on: a SIGKILL at any moment re-fetches at most one interval.
    expect(worst).toBeLessThanOrEqual(flushEvery);
    expect(result.maxUnjournaledBytes).toBeLessThanOrEqual(flushEvery);
    // Checkpoints are pipelined (more than one per interval is fine) and the offsets only grow.
    expect(checkpoints).toBeGreaterThanOrEqual(total / flushEvery);
    expect(durable).toEqual([...durable].sort((a, b) => a - b));
    expect((await fs.readFile(store.dataPath)).equals(pattern(total))).toBe(true);
  });

  /** A body that yields each part only when the test says so (`next()`), then ends when told (`end()`). */
  function trickle() {
    const parts: (Buffer | null)[] = [];
    let wake: (() => void) | undefined;
    const push = (part: Buffer | null) => {
      parts.push(part);
      wake?.();
    };
    async function* body(): AsyncGenerator<Uint8Array> {
      for (;;) {
        while (parts.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const part = parts.shift()!;
        if (part === null) return;
        yield part;
      }
    }
    return { body: body(), next: (part: Buffer) => push(part), end: () => push(null) };
  }

  /** Polls every 5 ms until `predicate` holds; fails after 5 s (a bound, not a speed goal). */
  async function until(predicate: () => boolean, what: string): Promise<void> {
    for (let i = 0; !predicate(); i++) {
      if (i > 1000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('checkpoints a slow body by time (flushEveryMs): bytes far below the size bound are written and journaled while it is still open', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'slow');
    await store.begin({ objectUri: 'http://127.0.0.1/slow' }, 0);
    const source = trickle();
    const durable: number[] = [];
    const done = store.writeBody(source.body, {
      flushEveryBytes: 64 * 1024 * 1024,
      flushEveryMs: 20,
      onDurable: (offset) => void durable.push(offset),
    });
    source.next(pattern(1000));
    await until(() => durable.length > 0, 'a checkpoint by time');
    expect(durable).toEqual([1000]);
    const journal = JSON.parse(await fs.readFile(store.journalPath, 'utf8')) as Journal;
    expect(journal.durableOffset).toBe(1000);
    expect((await fs.stat(store.dataPath)).size).toBe(1000);
    // The next bytes, after a pause longer than the interval: checkpointed by time again, the body still open.
    source.next(pattern(500, 1000));
    await until(() => durable.length > 1, 'a second checkpoint by time');
    expect(durable).toEqual([1000, 1500]);
    source.end();
    await expect(done).resolves.toMatchObject({ durableOffset: 1500 });
    expect(await fs.readFile(store.dataPath)).toEqual(pattern(1500));
  });

  it('without flushEveryMs a slow body is checkpointed by size only: nothing while it is open, everything at its end', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'sizeonly');
    await store.begin({ objectUri: 'http://127.0.0.1/sizeonly' }, 0);
    const source = trickle();
    const durable: number[] = [];
    const done = store.writeBody(source.body, {
      flushEveryBytes: 64 * 1024 * 1024,
      onDurable: (offset) => void durable.push(offset),
    });
    source.next(pattern(1000));
    // Ten times the interval the test above uses: no checkpoint comes by time here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(durable).toEqual([]);
    expect(store.durableOffset).toBe(0);
    source.end();
    await expect(done).resolves.toMatchObject({ durableOffset: 1000 });
    expect(durable).toEqual([1000]);
  });

  it('refuses a flushEveryMs that is not a positive number', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'badms');
    await store.begin({ objectUri: 'http://127.0.0.1/badms' }, 0);
    await expect(store.writeBody(chunks(pattern(10)), { flushEveryMs: 0 })).rejects.toThrow(
      /flushEveryMs must be positive, got 0/,
    );
  });

  it('keeps every byte received before a body error, written and journaled', async () => {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'cut');
    await store.begin({ objectUri: 'http://127.0.0.1/cut' }, 0);
    async function* cut(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < 300_000; at += 30_000) yield pattern(30_000, at);
      throw new Error('connection cut');
    }
    await expect(store.writeBody(cut(), { flushEveryBytes: 1024 * 1024 })).rejects.toThrow('connection cut');
    expect(store.durableOffset).toBe(300_000);
    const journal = JSON.parse(await fs.readFile(store.journalPath, 'utf8')) as Journal;
    expect(journal.durableOffset).toBe(300_000);
    expect((await fs.readFile(store.dataPath)).equals(pattern(300_000))).toBe(true);
  });
});

describe('crash safety', () => {
  const fixture = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

  /** Runs the writer child until it reports `killAfter` durable bytes (plus `extraMs`), then SIGKILLs it. */
  function runAndKill(url: string, stateDir: string, key: string, killAfter: number, extraMs: number) {
    return new Promise<{ lastReported: number }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, url, stateDir, key, '262144'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let lastReported = 0;
      let stderr = '';
      let killing = false;
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`writer did not reach ${killAfter} durable bytes in time; stderr: ${stderr}`));
      }, 20_000);
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        for (const match of text.matchAll(/durable (\d+)/g)) lastReported = Number(match[1]);
        if (!killing && lastReported >= killAfter) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), extraMs);
        }
      });
      child.on('exit', (_code, signal) => {
        clearTimeout(guard);
        if (signal === 'SIGKILL' && killing) resolve({ lastReported });
        else reject(new Error(`writer ended without being killed (signal ${signal}); stderr: ${stderr}`));
      });
    });
  }

  it('after SIGKILL mid-body the journal never exceeds the file; the same boot keeps every written byte, a reboot the journaled ones', async () => {
    const total = 16 * 1024 * 1024;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      let sent = 0;
      const pump = () => {
        if (sent >= total) return void res.end();
        const part = pattern(Math.min(16 * 1024, total - sent), sent);
        sent += part.length;
        if (!res.write(part)) res.once('drain', () => setTimeout(pump, 1));
        else setTimeout(pump, 1);
      };
      pump();
    });
    const dir = await scratch();
    // Kill points at different stages; the extra delay lands the kill at an arbitrary moment between checkpoints.
    const runs = [
      { killAfter: 262_144, extraMs: 0 },
      { killAfter: 524_288, extraMs: 7 },
      { killAfter: 786_432, extraMs: 23 },
    ];
    for (const [i, run] of runs.entries()) {
      const key = `crash${i}`;
      const { lastReported } = await runAndKill(s.base, dir, key, run.killAfter, run.extraMs);
      const journal = JSON.parse(await fs.readFile(path.join(dir, `${key}.journal.json`), 'utf8')) as Journal;
      const onDisk = (await fs.stat(path.join(dir, `${key}.part`))).size;
      expect(journal.durableOffset).toBeLessThanOrEqual(onDisk);
      expect(journal.durableOffset).toBeGreaterThanOrEqual(lastReported);

      // Played as a reboot (a copy opened with another boot id): only the journaled bytes are kept.
      const rebooted = path.join(dir, `rebooted${i}`);
      await fs.mkdir(rebooted);
      for (const name of [`${key}.part`, `${key}.journal.json`])
        await fs.copyFile(path.join(dir, name), path.join(rebooted, name));
      const afterReboot = await PartialStore.open(rebooted, key, { bootId: 'another-boot' });
      expect(afterReboot.durableOffset).toBe(journal.durableOffset);
      expect(afterReboot.recovery.droppedBytes).toBe(onDisk - journal.durableOffset);
      const journaled = await fs.readFile(afterReboot.dataPath);
      expect(journaled.equals(pattern(journal.durableOffset))).toBe(true);

      // The same boot (a process crash): every byte handed to the kernel is kept, and it is the server's prefix.
      const store = await PartialStore.open(dir, key);
      expect(store.durableOffset).toBe(onDisk);
      expect(store.recovery).toMatchObject({ droppedBytes: 0, keptBytes: onDisk - journal.durableOffset });
      const kept = await fs.readFile(store.dataPath);
      expect(kept.length).toBe(store.durableOffset);
      expect(kept.equals(pattern(kept.length))).toBe(true);
    }
  });
});

describe('leased chunks (release)', () => {
  /** A body of `sizes` chunks that checks, at each release, that the chunk's bytes are already in the file. */
  async function leasedRun(
    sizes: number[],
    options: { flushEveryBytes?: number; maxOffset?: number; failAfter?: number },
  ) {
    const dir = await scratch();
    const store = await PartialStore.open(dir, 'leased');
    await store.begin({ objectUri: 'http://127.0.0.1/leased' }, 0);
    const given: Uint8Array[] = [];
    const released: Uint8Array[] = [];
    const offsets = new Map<Uint8Array, number>();
    let at = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      for (const [i, size] of sizes.entries()) {
        if (options.failAfter === i) throw new Error('connection cut');
        const chunk = new Uint8Array(pattern(size, at));
        offsets.set(chunk, at);
        at += size;
        given.push(chunk);
        yield chunk;
      }
    }
    const writtenAtRelease: boolean[] = [];
    const outcome = await store
      .writeBody(body(), {
        ...options,
        release: (chunk) => {
          released.push(chunk);
          const from = offsets.get(chunk) ?? -1;
          const end = Math.min(from + chunk.byteLength, options.maxOffset ?? Number.POSITIVE_INFINITY);
          // Synchronously readable: the write of the chunk's last byte has completed.
          const size = statSize(store.dataPath);
          writtenAtRelease.push(from >= 0 && size >= end);
        },
      })
      .then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      );
    return { store, given, released, writtenAtRelease, outcome };
  }

  it('gives every chunk back exactly once, after its bytes are written — split chunks after their last part', async () => {
    const { store, given, released, writtenAtRelease, outcome } = await leasedRun([100, 1000, 30, 500], {
      flushEveryBytes: 150,
    });
    expect('result' in outcome && outcome.result.durableOffset).toBe(1630);
    expect(new Set(released)).toEqual(new Set(given));
    expect(released).toHaveLength(given.length);
    expect(writtenAtRelease.every(Boolean)).toBe(true);
    expect((await fs.readFile(store.dataPath)).equals(pattern(1630))).toBe(true);
  });

  it('gives back the chunk cut at maxOffset and every chunk taken before a body failure', async () => {
    const over = await leasedRun([100, 100, 100, 100], { maxOffset: 250 });
    expect(new Set(over.released)).toEqual(new Set(over.given));
    expect(over.given).toHaveLength(3);
    const failed = await leasedRun([64, 64, 64], { failAfter: 2 });
    expect('error' in failed.outcome && failed.outcome.error.message).toBe('connection cut');
    expect(new Set(failed.released)).toEqual(new Set(failed.given));
    expect(failed.given).toHaveLength(2);
  });
});

function statSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
