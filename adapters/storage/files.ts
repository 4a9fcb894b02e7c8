/**
 * File-name and file-system helpers: safe names from descriptors, non-clobbering target paths, free space,
 * stable per-download keys.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { promises as fs, lstat } from 'node:fs';
import path from 'node:path';

/** Longest sanitised file name in UTF-8 bytes: below the usual 255-byte limit, leaving room for ` (9999)` and suffixes. @default 200 */
export const MAX_FILE_NAME_BYTES = 200;

// Windows device names stay reserved whatever the extension; objects may be copied to such media.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
// Path separators, characters Windows forbids, C0/C1 control characters and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const UNSAFE = /[/\\<>:"|?*\u0000-\u001f\u007f-\u009f]/g;

function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > maxBytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/**
 * Makes a name from a descriptor safe as a single file name: no path separators, no `..`, no control or
 * Windows-forbidden characters, no leading dots, no reserved device name, at most
 * {@link MAX_FILE_NAME_BYTES} bytes (extension kept), never empty (`fallback` instead).
 */
export function sanitizeFileName(name: string, fallback = 'download'): string {
  let safe = name
    .normalize('NFC')
    .replace(UNSAFE, '_')
    // `..` can only matter with a separator, which is gone; collapsing it anyway keeps names unsurprising.
    .replace(/\.{2,}/g, '.')
    .trim()
    // Leading dots would hide the file; trailing dots and spaces are dropped by Windows.
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (RESERVED.test(safe)) safe = `_${safe}`;
  if (Buffer.byteLength(safe) > MAX_FILE_NAME_BYTES) {
    const ext = path.extname(safe);
    const keepExt = ext.length > 1 && Buffer.byteLength(ext) <= 16 ? ext : '';
    safe = truncateUtf8(
      safe.slice(0, safe.length - keepExt.length),
      MAX_FILE_NAME_BYTES - Buffer.byteLength(keepExt),
    );
    safe = safe.replace(/[.\s]+$/, '') + keepExt;
  }
  // Nothing left but replacement characters: the name carried no usable text.
  if (/^_*$/.test(safe)) return fallback === 'download' ? fallback : sanitizeFileName(fallback);
  return safe;
}

/** Highest ` (n)` suffix {@link uniquePath} tries before giving up. @default 9999 */
export const MAX_UNIQUE_SUFFIX = 9999;

/**
 * Whether `file` exists (a dangling symlink does), asked on the thread pool: a lookup waits while a rename holds the
 * directory. Through the callback API: a missing file is the usual answer, and the promise API's rejection captures a
 * stack trace for it (7 µs of the event loop per lookup, measured).
 */
function exists(file: string): Promise<boolean> {
  return new Promise((resolve, reject) =>
    lstat(file, (error) => {
      if (error === null) resolve(true);
      else if (error.code === 'ENOENT') resolve(false);
      else reject(error);
    }),
  );
}

/**
 * A path in `dir` for the sanitised `name` that does not exist yet: `name`, else `base (1).ext`,
 * `base (2).ext`…; an existing file is never overwritten (our choice: an object installed earlier is the
 * user's, a browser-like suffix is what users expect). Paths in `reserved` count as taken (chosen, not yet written).
 * With `sameAs`, a taken name whose file already holds exactly the bytes of `sameAs` is returned: the object is
 * already there, so a rerun of a finished download installs onto it (identical bytes) instead of `x (1).bin`.
 */
export async function uniquePath(
  dir: string,
  name: string,
  reserved: ReadonlySet<string> = new Set(),
  sameAs?: string,
): Promise<string> {
  // A file already holding exactly the bytes of `sameAs` is the same object: reuse its name (no `x (1).bin`).
  const free = async (file: string) =>
    !reserved.has(file) &&
    (!(await exists(file)) || (sameAs !== undefined && (await sameContent(file, sameAs))));
  const safe = sanitizeFileName(name);
  const first = path.join(dir, safe);
  if (await free(first)) return first;
  const ext = path.extname(safe);
  const base = safe.slice(0, safe.length - ext.length);
  for (let n = 1; n <= MAX_UNIQUE_SUFFIX; n++) {
    const candidate = path.join(dir, `${base} (${n})${ext}`);
    if (await free(candidate)) return candidate;
  }
  throw new Error(`${dir}: no free name for "${safe}" after ${MAX_UNIQUE_SUFFIX} tries`);
}

/** Whether two regular files hold the same bytes (sizes first, then both read in 1 MiB steps). */
export async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.stat(a).catch(() => undefined), fs.stat(b).catch(() => undefined)]);
  if (sa === undefined || sb === undefined || !sa.isFile() || !sb.isFile() || sa.size !== sb.size)
    return false;
  const [ha, hb] = await Promise.all([fs.open(a, 'r'), fs.open(b, 'r')]);
  try {
    const step = 1 << 20;
    const [ba, bb] = [Buffer.allocUnsafe(step), Buffer.allocUnsafe(step)];
    for (let at = 0; at < sa.size; at += step) {
      const [ra, rb] = await Promise.all([ha.read(ba, 0, step, at), hb.read(bb, 0, step, at)]);
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead)))
        return false;
    }
    return true;
  } finally {
    await Promise.all([ha.close(), hb.close()]);
  }
}

/** Bytes available to this (unprivileged) process on the file system holding `dir` (or its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const stats = await fs.statfs(current);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/** Length of the hex keys {@link keyFor} returns (64 bits of SHA-256). @default 16 */
export const KEY_LENGTH = 16;

/** A stable short key (SHA-256 hex prefix) for a download, e.g. from its DD URL and ObjectURI; order matters. */
export function keyFor(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  // Length-prefix each part so ('ab', 'c') and ('a', 'bc') differ.
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part};`);
  return hash.digest('hex').slice(0, KEY_LENGTH);
}
