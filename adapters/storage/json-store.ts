/**
 * Small JSON documents that survive a crash: written to a temporary file in the same directory, flushed,
 * renamed over the old one, and the directory flushed — so a reader sees the old document or the new one,
 * never a torn mix.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fsyncFd } from './flush.js';
import { groupCommit } from './group-commit.js';
import { makeDir } from './make-dir.js';

/**
 * Flushes a directory's entries (a rename or unlink inside it) to disk; a no-op where the OS refuses. Concurrent
 * callers for one directory share the flushes (group commit): each resolves after an fsync that began after its call.
 */
export function fsyncDir(dir: string): Promise<void> {
  return sharedDirSync(path.resolve(dir));
}

const sharedDirSync = groupCommit(async (dir: string): Promise<void> => {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncFd(fd);
  } catch (error) {
    // Some platforms (Windows) and file systems cannot open or fsync a directory; the rename still stands.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});

/** Reads and parses a JSON file; resolves `undefined` when it does not exist, throws naming the path when malformed. */
export async function readJson<T = unknown>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
}

/** The suffix of the temporary files {@link writeJsonAtomic} writes next to their target. */
export const TMP_SUFFIX = '.tmp';

/**
 * Replaces `file` with `value` as pretty JSON atomically: write a temporary sibling, fsync it, rename it over
 * `file`, fsync the directory; parent directories are created unless `dirExists`.
 */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  options: { readonly dirExists?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  // `dirExists`: the caller made the directory (one file-system round trip fewer on a hot path).
  if (!options.dirExists) await makeDir(dir);
  await renameOver(await writeJsonTemp(file, value), file);
  await fsyncDir(dir);
}

/**
 * Writes `value` as pretty JSON to a fsync'd temporary sibling of `file` (named so {@link removeStaleTemps}
 * finds it) and resolves its path; {@link renameOver} then makes it `file`.
 */
export async function writeJsonTemp(file: string, value: unknown): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`; // matches TEMP_NAME
  const fd = openSync(tmp, 'w');
  try {
    const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    // A regular file takes the whole write; a short one is continued (each round writes at least a byte).
    for (let at = 0, n = 1; at < bytes.length && n > 0; at += n)
      n = writeSync(fd, bytes, at, bytes.length - at);
    await fsyncFd(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  return tmp;
}

/** Renames a temporary file over `file` (atomic); the temporary file is removed if the rename fails. */
export async function renameOver(tmp: string, file: string): Promise<void> {
  try {
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** The names in `dir` that are temporary files of {@link writeJsonTemp} (all of them, or those of `file` only). */
async function staleTempsIn(dir: string, file?: string): Promise<string[]> {
  const prefix = file === undefined ? '' : `${path.basename(file)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((n) => n.startsWith(prefix) && TEMP_NAME.test(n));
}

/** How {@link writeJsonTemp} names a temporary file after its target: `<target>.<pid>.<hex digits>.tmp`. */
const TEMP_NAME = /\.\d+\.[0-9a-f]+\.tmp$/;

/** Deletes temporary files a crashed {@link writeJsonAtomic} may have left next to `file`. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(file);
  const names = await staleTempsIn(dir, file);
  await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true })));
}

/**
 * Deletes every temporary file a crashed {@link writeJsonAtomic} may have left in `dir` (one listing of the
 * directory, for a caller that then opens many stores there with `dirReady`); creates `dir` when missing.
 */
export async function sweepStaleTemps(dir: string): Promise<void> {
  await makeDir(dir);
  const names = await staleTempsIn(dir);
  await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true })));
}
