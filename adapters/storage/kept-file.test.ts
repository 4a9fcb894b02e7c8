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

  it('refuses a start that is not a byte offset, naming it', async () => {
    const kept = new KeptFile(path.join(await scratch(), 'dl-4.part'));
    await expect(kept.write(pieces(pattern(1), 1), -1)).rejects.toThrow(
      /start must be a byte offset, got -1/,
    );
  });
});
