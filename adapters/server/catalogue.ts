/**
 * The reference Download Server's catalogue: the media objects it serves, read from a directory. Each file
 * `<name>` is one media object; a sidecar `<name>.dd.json` may override descriptor fields. The objectVersion is
 * derived from the content (a SHA-256 prefix), so it changes exactly when the file's bytes change (DL-PR-3).
 * The objectID is the file name (or the sidecar's objectID) in entity-tag-safe form: every byte outside
 * printable-ASCII `etagc`, and every `%`, percent-encoded as UTF-8 (`my file.gif` → `my%20file.gif`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { entityTagSafe } from '../../machines/dlota/server.logic.js';

/** Descriptor fields a sidecar `<name>.dd.json` may set or override. */
export interface DescriptorOverrides {
  readonly name?: string;
  readonly type?: string | readonly string[];
  readonly objectID?: string;
  readonly objectVersion?: string;
  readonly description?: string;
  readonly vendor?: string;
  readonly nextURL?: string;
  readonly installNotifyURI?: string | null;
  readonly updatedDDURI?: string | null;
  readonly suppressUserConfirmation?: 'Never' | 'UserConfirmStepOnly' | 'Always';
  /** Declared size; defaults to the file's real size (set it wrong on purpose to test 905). */
  readonly size?: number;
}

/** One media object as the server sees it. */
export interface MediaObject {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly types: readonly string[];
  readonly objectID: string;
  readonly objectVersion: string;
  /** The file's modification time in whole seconds since the epoch (`Last-Modified`). */
  readonly lastModified: number;
  readonly overrides: DescriptorOverrides;
}

const TYPES: Readonly<Record<string, string>> = {
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.mp4': 'video/mp4',
  '.ts': 'video/mp2t',
  '.mp3': 'audio/mpeg',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.jar': 'application/java-archive',
  '.bin': 'application/octet-stream',
};

/** The media type we announce for a file name (by extension; `application/octet-stream` otherwise). */
export function mediaTypeFor(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

const SIDECAR = '.dd.json';

interface VersionCacheEntry {
  readonly key: string;
  readonly version: string;
}

/** Reads media objects from a directory; content hashes are cached by (size, mtime, inode). */
export class DirectoryCatalogue {
  readonly #versions = new Map<string, VersionCacheEntry>();

  constructor(readonly dir: string) {}

  /** Every servable file name (no dotfiles, no sidecars, no sub-directories), sorted. */
  async names(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith(SIDECAR))
      .map((e) => e.name)
      .sort();
  }

  /** The media object called `name`, or undefined when there is no such file. */
  async get(name: string): Promise<MediaObject | undefined> {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.') || name.endsWith(SIDECAR))
      return undefined;
    const path = join(this.dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const overrides = await readOverrides(`${path}${SIDECAR}`);
    const key = `${info.size}:${info.mtimeMs}:${info.ino}`;
    let cached = this.#versions.get(name);
    if (cached?.key !== key) {
      cached = { key, version: await contentVersion(path) };
      this.#versions.set(name, cached);
    }
    const type = overrides.type ?? mediaTypeFor(name);
    return {
      name,
      path,
      size: info.size,
      types: typeof type === 'string' ? [type] : [...type],
      // DL-PR-3: the ETag is "objectID/objectVersion", so both are written in their entity-tag-safe form
      // (percent-encoded UTF-8 outside etagc), in the DD as in the ETag.
      objectID: entityTagSafe(overrides.objectID ?? name),
      objectVersion: entityTagSafe(overrides.objectVersion ?? cached.version),
      lastModified: Math.floor(info.mtimeMs / 1000),
      overrides,
    };
  }
}

async function readOverrides(path: string): Promise<DescriptorOverrides> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object');
    return value as DescriptorOverrides;
  } catch (error) {
    throw new Error(`invalid sidecar ${path}: ${(error as Error).message}`);
  }
}

async function contentVersion(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}
