import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DirLockedError, lockDirectory } from './dir-lock.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-lock-'));
  cleanups.push(() => fs.rm(d, { recursive: true, force: true }));
  return d;
}

describe('lockDirectory (kernel-held, one process per directory)', () => {
  it('a second taker is refused with the holder named; after release it is free again', async () => {
    const d = await dir();
    const first = await lockDirectory(d, 'agent', 'dlstate agent');
    const error = await lockDirectory(d, 'agent', 'dlstate agent').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirLockedError);
    expect((error as Error).message).toBe(`${d} is in use by another dlstate agent (pid ${process.pid})`);
    // Another name on the same directory is another lock; the same name through another path spelling is not.
    const other = await lockDirectory(d, 'manager', 'dlstate download manager');
    await other.release();
    const spelled = path.join(d, '..', path.basename(d));
    await expect(lockDirectory(spelled, 'agent', 'dlstate agent')).rejects.toBeInstanceOf(DirLockedError);
    await first.release();
    const again = await lockDirectory(d, 'agent', 'dlstate agent');
    await again.release();
    // Nothing is left in the directory.
    expect(await fs.readdir(d)).toEqual([]);
  });

  it('a holder killed with SIGKILL frees the lock at once (no stale lock file to clean up)', async () => {
    const d = await dir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${fileURLToPath(new URL('./dir-lock.ts', import.meta.url))}').then(async (m) => { await m.lockDirectory(${JSON.stringify(d)}, 'agent', 'dlstate agent'); console.log('held'); setInterval(() => {}, 1000); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await closed;
    });
    await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
    const refused = await lockDirectory(d, 'agent', 'dlstate agent').catch((e: unknown) => e);
    expect((refused as DirLockedError).pid).toBe(child.pid);
    child.kill('SIGKILL');
    await closed;
    const taken = await lockDirectory(d, 'agent', 'dlstate agent');
    await taken.release();
  });
});
