import { mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DownloadServer, startDownloadServer } from './server.js';

let dir: string;
let server: DownloadServer;
const dispatcher = new Agent({ connections: 256 });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlstate-hash-'));
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 1));
  server = await startDownloadServer({ dir });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function versions(count: number): Promise<Set<string>> {
  const bodies = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await request(server.ddUrl('big.bin'), { dispatcher });
      expect(res.statusCode).toBe(200);
      return /<objectVersion>(.*)<\/objectVersion>/.exec(await res.body.text())?.[1] ?? '';
    }),
  );
  return new Set(bodies);
}

describe('content hash: once per file version', () => {
  it('200 concurrent cold /dd requests after a change hash the file once, and all see the new version', async () => {
    const [before] = await versions(1);
    expect(server.hashComputations).toBe(1);
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 2));
    const after = await versions(200);
    expect(after.size).toBe(1);
    expect([...after][0]).not.toBe(before);
    expect(server.hashComputations).toBe(2);
    // Warm: no new computation.
    await versions(20);
    expect(server.hashComputations).toBe(2);
  });

  it('the cache key includes the inode: a same-size, same-mtime replacement is hashed again', async () => {
    const [before] = await versions(1);
    const path = join(dir, 'big.bin');
    const info = await stat(path);
    await writeFile(join(dir, 'next.tmp'), Buffer.alloc(4 * 1024 * 1024, 3));
    await utimes(join(dir, 'next.tmp'), info.atime, info.mtime);
    await rename(join(dir, 'next.tmp'), path);
    const after = await versions(3);
    expect(server.hashComputations).toBe(2);
    expect([...after]).toHaveLength(1);
    expect([...after][0]).not.toBe(before);
  });
});
