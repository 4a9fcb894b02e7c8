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
import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
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
  /** `dev:ino:size:mtime` of the file version the hash was (or is being) computed for. */
  readonly key: string;
  readonly version: Promise<string>;
}

/** Options of {@link DirectoryCatalogue}. */
export interface CatalogueOptions {
  /** Files inside the directory that are never media objects (e.g. the server's own reports file). */
  readonly exclude?: readonly string[];
}

/** A name resolved inside the served directory: its real path and the stat of that file. */
interface Resolved {
  readonly real: string;
  readonly info: Stats;
}

/** How many times a hash is recomputed when the file changes while it is being read. */
const HASH_ATTEMPTS = 3;

/**
 * Reads media objects from a directory. Containment: a name is resolved with `realpath` and served only
 * when the real file lies inside the directory's real path, outside any dot-folder, and is not a sidecar or
 * an excluded file — so a symlink to a file elsewhere is neither listed nor served, and the listing and
 * `get` agree because both use {@link DirectoryCatalogue.resolve}. Content hashes (the objectVersion) are
 * computed once per file version: cached by device, inode, size and mtime, and single-flight (concurrent
 * requests for a version being hashed wait for that one computation).
 */
export class DirectoryCatalogue {
  readonly #versions = new Map<string, VersionCacheEntry>();
  readonly #exclude: readonly string[];
  #root: Promise<string> | undefined;
  #hashes = 0;

  constructor(
    readonly dir: string,
    options: CatalogueOptions = {},
  ) {
    this.#exclude = options.exclude ?? [];
  }

  /** How many content hashes this catalogue has computed (each reads a whole file). */
  get hashComputations(): number {
    return this.#hashes;
  }

  /** Every servable file name (no dotfiles, no sidecars, nothing resolving outside the directory), sorted. */
  async names(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const candidates = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
    const served = await Promise.all(candidates.map(async (n) => ((await this.resolve(n)) ? n : undefined)));
    return served.filter((n): n is string => n !== undefined).sort();
  }

  /**
   * The real path and stat of the regular file `name` names inside the served directory, or undefined when
   * it is not one: a path separator, a dot-name, a sidecar, a symlink (or chain) leading outside the
   * directory or into a dot-folder, an excluded file, anything not a regular file.
   */
  async resolve(name: string): Promise<Resolved | undefined> {
    if (!isServableName(name)) return undefined;
    const root = await this.#realRoot();
    const real = await realpath(join(this.dir, name)).catch(() => undefined);
    if (real === undefined) return undefined;
    const inside = relative(root, real);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    if (inside.split(sep).some((part) => part.startsWith('.')) || inside.endsWith(SIDECAR)) return undefined;
    if (this.#exclude.includes(real)) return undefined;
    const info = await stat(real).catch(() => undefined);
    return info?.isFile() ? { real, info } : undefined;
  }

  /** The media object called `name`, or undefined when there is no such file. */
  async get(name: string): Promise<MediaObject | undefined> {
    const resolved = await this.resolve(name);
    if (!resolved) return undefined;
    const { real: path, info } = resolved;
    const sidecar = await this.#containedSidecar(name);
    const overrides = sidecar === undefined ? {} : await readOverrides(sidecar);
    const version = overrides.objectVersion ?? (await this.#version(path, info));
    const type = overrides.type ?? mediaTypeFor(name);
    return {
      name,
      path,
      size: info.size,
      types: typeof type === 'string' ? [type] : [...type],
      // DL-PR-3: the ETag is "objectID/objectVersion", so both are written in their entity-tag-safe form
      // (percent-encoded UTF-8 outside etagc), in the DD as in the ETag.
      objectID: entityTagSafe(overrides.objectID ?? name),
      objectVersion: entityTagSafe(version),
      lastModified: Math.floor(info.mtimeMs / 1000),
      overrides,
    };
  }

  #realRoot(): Promise<string> {
    this.#root ??= realpath(this.dir);
    return this.#root;
  }

  /** The sidecar's real path when it exists inside the directory (a sidecar symlinked elsewhere is ignored). */
  async #containedSidecar(name: string): Promise<string | undefined> {
    const root = await this.#realRoot();
    const real = await realpath(join(this.dir, `${name}${SIDECAR}`)).catch(() => undefined);
    if (real === undefined) return undefined;
    const inside = relative(root, real);
    return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? undefined : real;
  }

  /** The content version of one file version: cached, and computed once however many ask at a time. */
  #version(path: string, info: Stats): Promise<string> {
    const key = versionKey(info);
    const cached = this.#versions.get(path);
    if (cached?.key === key) return cached.version;
    const version = this.#hash(path, key);
    this.#versions.set(path, { key, version });
    // A failed computation is not cached: the next request tries again.
    version.catch(() => {
      if (this.#versions.get(path)?.version === version) this.#versions.delete(path);
    });
    return version;
  }

  async #hash(path: string, key: string): Promise<string> {
    let before = key;
    for (let attempt = 1; ; attempt++) {
      this.#hashes++;
      const version = await contentVersion(path);
      // The file changed while it was read: those bytes are no single version; read it again (bounded).
      const after = versionKey(await stat(path));
      if (after === before || attempt >= HASH_ATTEMPTS) return version;
      before = after;
    }
  }
}

function versionKey(info: Stats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}

function isServableName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    !name.startsWith('.') &&
    !name.endsWith(SIDECAR)
  );
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
