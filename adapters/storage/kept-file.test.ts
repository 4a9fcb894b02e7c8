import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pattern, tempDir } from '../http/test-support.js';
import { KeptFile } from './kept-file.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, remove } = await tempDir('dlstate-kept-');
  cleanups.push(remove);
  return dir;
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

describe('KeptFile: a partial file whose journal is its owner’s', () => {
  it('writes from 0 with checkpoints: each durable offset is reported after the bytes below it are on disk', async () => {
    const dir = await scratch();
    const kept = new KeptFile(path.join(dir, 'partial', 'dl-1.part'));
    expect(kept.size()).toBe(0);
    const data = pattern(100_000);
    const seen: { offset: number; size: number }[] = [];
    const result = await kept.write(pieces(data, 7_000), 0, {
      flushEveryBytes: 16_384,
      onDurable: (offset) => {
        seen.push({ offset, size: statSync(kept.dataPath).size });
      },
    });
    expect(result.durableOffset).toBe(data.length);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)?.offset).toBe(data.length);
    for (const [i, { offset, size }] of seen.entries()) {
      expect(offset).toBeLessThanOrEqual(size);
      if (i > 0) expect(offset).toBeGreaterThan(seen[i - 1]!.offset);
    }
    // Bounded: never more than the interval written beyond the last reported offset.
    expect(result.maxUnjournaledBytes).toBeLessThanOrEqual(16_384);
    expect((await fs.readFile(kept.dataPath)).equals(data)).toBe(true);
  });

  it('a write at `start` first cuts what lies beyond it (bytes the owner never recorded), then appends', async () => {
    const dir = await scratch();
    const kept = new KeptFile(path.join(dir, 'dl-2.part'));
    const data = pattern(50_000);
    // 30 000 bytes on disk, of which the owner recorded 20 000 (the rest came after its last checkpoint).
    await fs.writeFile(kept.dataPath, Buffer.concat([data.subarray(0, 20_000), Buffer.alloc(10_000, 0xee)]));
    const result = await kept.write(pieces(data.subarray(20_000), 4_096), 20_000, { flushEveryBytes: 8_192 });
    expect(result.durableOffset).toBe(data.length);
    expect(result.bytesWritten).toBe(30_000);
    expect((await fs.readFile(kept.dataPath)).equals(data)).toBe(true);
  });

  it('an open that empties the file (a write from 0 keeping nothing) leaves no byte of a longer file behind', async () => {
    const dir = await scratch();
    const kept = new KeptFile(path.join(dir, 'dl-3.part'));
    const data = pattern(5_000);
    // A longer file from an earlier transfer whose bytes the owner never recorded.
    await fs.writeFile(kept.dataPath, Buffer.alloc(12_000, 0xee));
    const writer = await kept.open({ empty: true });
    expect(statSync(kept.dataPath).size).toBe(0);
    const result = await writer.write(pieces(data, 1_000), 0);
    expect(result.bytesWritten).toBe(5_000);
    expect((await fs.readFile(kept.dataPath)).equals(data)).toBe(true);
    // Without `empty` the open keeps the bytes (the write cuts them at its start, not the open).
    await fs.writeFile(kept.dataPath, Buffer.alloc(12_000, 0xee));
    const keeping = await kept.open();
    expect(statSync(kept.dataPath).size).toBe(12_000);
    keeping.close();
  });

  it('commit moves the bytes into a directory it makes; discard removes them; a second discard is a no-op', async () => {
    const dir = await scratch();
    const kept = new KeptFile(path.join(dir, 'dl-3.part'));
    await kept.write(pieces(pattern(1_000), 300), 0);
    const target = path.join(dir, 'files', 'nested', '3-movie.bin');
    await kept.commit(target);
    expect((await fs.readFile(target)).equals(pattern(1_000))).toBe(true);
    expect(kept.size()).toBe(0);
    await kept.write(pieces(pattern(10), 10), 0);
    expect(kept.size()).toBe(10);
    kept.discard();
    kept.discard();
    expect(kept.size()).toBe(0);
  });

  it('commits racing into a directory none of them found: every one lands (the directory made by another is no error)', async () => {
    // The first commits into a missing directory make it on the thread pool while the others' renames run: a rename
    // that failed before the directory existed must not be taken for a missing source once it exists. (This race
    // left a download in verifying for ever, in 5 of 1 620 runs of 64 downloads.)
    const dir = await scratch();
    const files = path.join(dir, 'files');
    for (let round = 0; round < 20; round += 1) {
      const roundDir = path.join(files, `round-${round}`);
      const kept = Array.from(
        { length: 16 },
        (_, i) => new KeptFile(path.join(dir, `dl-${round}-${i}.part`)),
      );
      for (const [i, k] of kept.entries()) await k.write(pieces(pattern(100 + i), 64), 0);
      await Promise.all(kept.map((k, i) => k.commit(path.join(roundDir, `${i}.bin`))));
      for (const [i, k] of kept.entries()) {
        expect((await fs.readFile(path.join(roundDir, `${i}.bin`))).equals(pattern(100 + i))).toBe(true);
        expect(k.size()).toBe(0);
      }
    }
  });

  it('a commit whose bytes are gone fails naming the file, into an existing directory or a missing one', async () => {
    const dir = await scratch();
    const kept = new KeptFile(path.join(dir, 'dl-5.part'));
    await expect(kept.commit(path.join(dir, 'files', '5.bin'))).rejects.toThrow(/ENOENT.*dl-5\.part/);
    await expect(kept.commit(path.join(dir, 'files', '5.bin'))).rejects.toThrow(/ENOENT.*dl-5\.part/);
  });

  it('refuses a start that is not a byte offset, naming it', async () => {
    const kept = new KeptFile(path.join(await scratch(), 'dl-4.part'));
    await expect(kept.write(pieces(pattern(1), 1), -1)).rejects.toThrow(
      /start must be a byte offset, got -1/,
    );
  });
});
