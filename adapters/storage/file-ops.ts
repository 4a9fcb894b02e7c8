/**
 * File operations the kept range needs, each durable when it returns.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from './json-store.js';

/** The size of a file, or `undefined` when it does not exist. */
export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Moves a file, atomically when source and target share a file system, else by copy + fsync + rename. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const tmp = `${to}.dlstate-move.tmp`;
    await fs.copyFile(from, tmp);
    await syncFile(tmp);
    await fs.rename(tmp, to);
    await fsyncDir(path.dirname(to));
    await fs.rm(from, { force: true });
  }
}

/** fsyncs a file (data and metadata). */
export async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Sets a file's length (creating it when missing) and fsyncs it. */
export async function truncateFile(file: string, length: number): Promise<void> {
  const handle = await fs.open(file, 'a+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
