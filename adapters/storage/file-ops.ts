/**
 * File operations the kept range needs, each durable when it returns.
 *
 * @module
 */
import { closeSync, promises as fs, ftruncateSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { fsyncFd } from './flush.js';
import { fsyncDir } from './json-store.js';

/** The size of a file (or directory), or `undefined` when it does not exist. */
export function sizeOfSync(file: string): number | undefined {
  // No exception for a missing file (building one cost more than the stat); other errors still throw.
  return statSync(file, { throwIfNoEntry: false })?.size;
}

/** Whether a storage error says the device (or the user's quota) is full: ENOSPC or EDQUOT. */
export function isStorageFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The size of a file, or `undefined` when it does not exist. */
export async function sizeOf(file: string): Promise<number | undefined> {
  return sizeOfSync(file);
}

/** Moves a file, atomically when source and target share a file system, else by copy + fsync + rename. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    // On the thread pool: a rename can wait for directory blocks (or a journal) that concurrent fsyncs are writing.
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
  const fd = openSync(file, 'r+');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Sets a file's length (creating it when missing) and fsyncs it. */
export async function truncateFile(file: string, length: number): Promise<void> {
  const fd = openSync(file, 'a+');
  try {
    ftruncateSync(fd, length);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
