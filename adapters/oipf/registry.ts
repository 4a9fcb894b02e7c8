/**
 * The persisted registry of the running download manager: one JSON document, `<dir>/registry.json`,
 * holding the manager machine's downloads (state value + context, as plain data) and reservations,
 * plus what only the adapter knows of each download (CADD metadata, where its file is).
 *
 * Why an atomic-rename JSON journal rather than SQLite: the manager's whole state already is one small
 * JSON value (the machine keeps its downloads as plain data precisely so it can be stored as is and
 * restored as input), it changes a few times per second at most (state changes and durable-progress
 * checkpoints), and `writeJsonAtomic` (temp file, fsync, rename, fsync dir) gives "the old document or
 * the new one, never a torn mix" after a `kill -9` or a power cut with no native dependency. The bytes
 * themselves live in `PartialStore` files whose journal is fsync'd before the registry names the
 * offset, so the registry's `bytesReceived` never exceeds what is on disk.
 *
 * Writes are coalesced: `schedule` marks the document dirty and at most one write runs at a time;
 * `flush` resolves once everything scheduled so far is on disk.
 *
 * @module
 */
import path from 'node:path';
import type { ManagedDownload, OipfManagerContext } from '../../machines/oipf/index.js';
import { readJson, removeStaleTemps, writeJsonAtomic } from '../storage/index.js';
import type { DownloadMeta } from './meta.js';

/** The registry document as stored (version 1). */
export interface RegistryDoc {
  readonly version: 1;
  /** The next numeric download id (ids are never reused, so a removed Download stays invalid). */
  readonly nextId: number;
  readonly downloads: readonly ManagedDownload[];
  readonly reservations: Readonly<Record<string, number>>;
  readonly meta: Readonly<Record<string, DownloadMeta>>;
}

/** The registry file name under the manager directory. */
export const REGISTRY_FILE = 'registry.json';

function isRegistryDoc(value: unknown): value is RegistryDoc {
  const v = value as Partial<RegistryDoc> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === 1 &&
    Number.isSafeInteger(v.nextId) &&
    Array.isArray(v.downloads) &&
    typeof v.reservations === 'object' &&
    v.reservations !== null &&
    typeof v.meta === 'object' &&
    v.meta !== null
  );
}

/** Reads the registry of `dir`; an empty registry when there is none, an error naming the file when it is damaged. */
export async function loadRegistry(dir: string): Promise<RegistryDoc> {
  const file = path.join(dir, REGISTRY_FILE);
  await removeStaleTemps(file);
  const raw = await readJson(file);
  if (raw === undefined) return { version: 1, nextId: 1, downloads: [], reservations: {}, meta: {} };
  if (!isRegistryDoc(raw)) throw new Error(`${file}: not a dlstate download-manager registry (version 1)`);
  return raw;
}

/** The registry document for a manager context and the adapter's metadata. */
export function registryDocOf(
  context: OipfManagerContext,
  nextId: number,
  meta: ReadonlyMap<string, DownloadMeta>,
): RegistryDoc {
  const live = new Set(context.downloads.map((d) => d.id));
  return {
    version: 1,
    nextId,
    downloads: context.downloads,
    reservations: context.reservations,
    meta: Object.fromEntries([...meta].filter(([id]) => live.has(id))),
  };
}

/** A coalescing writer of the registry document. */
export class RegistryWriter {
  readonly file: string;
  #pending: (() => RegistryDoc) | undefined;
  #running: Promise<void> | undefined;
  #error: unknown;

  constructor(dir: string) {
    this.file = path.join(dir, REGISTRY_FILE);
  }

  /** Marks the document dirty; `doc` is called when the write starts, so it sees the latest state. */
  schedule(doc: () => RegistryDoc): void {
    this.#pending = doc;
    this.#running ??= this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending !== undefined) {
        const doc = this.#pending();
        this.#pending = undefined;
        try {
          await writeJsonAtomic(this.file, doc);
        } catch (error) {
          this.#error = error;
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** Resolves once every scheduled state is on disk; rejects with the last write error, if any. */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      throw error;
    }
  }
}
