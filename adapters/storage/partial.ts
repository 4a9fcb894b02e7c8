/**
 * The kept range of one download: a partial data file plus a small JSON journal in a state directory.
 *
 * Crash safety rests on one invariant — the journal's `durableOffset` never exceeds the bytes on disk:
 * - growing: data is written and fsync'd first, THEN the journal records the new offset (atomic replace);
 * - shrinking (`begin` from an earlier offset, `truncateTo`, `discard`): the journal goes first, then the data;
 * - opening: data beyond the journal's offset was never confirmed durable and is cut off.
 * So after a `kill -9` at any moment the resume offset is what is durably on disk, never a received-bytes
 * counter (stack.md sharp edge 8). The kept data stays in the state directory, unusable, until `commit`
 * moves it to its final path (DL-PR-5, DL-INST-2 — the machine decides when).
 *
 * The store reports facts (offsets, what recovery found); whether a range may be resumed is not its call.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { moveFile, sizeOf, truncateFile } from './file-ops.js';
import {
  isJournal,
  type Journal,
  type PartialMeta,
  type Recovery,
  type WriteBodyOptions,
  type WriteBodyResult,
} from './journal.js';
import { fsyncDir, readJson, removeStaleTemps, writeJsonAtomic } from './json-store.js';

export type { Journal, PartialMeta, Recovery, WriteBodyOptions, WriteBodyResult } from './journal.js';

/** Bytes written between two durable checkpoints (fsync + journal) of {@link PartialStore.writeBody}. @default 1_048_576 */
export const DEFAULT_FLUSH_EVERY_BYTES = 1024 * 1024;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkOffset(offset: number, what: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`${what}: ${offset} is not a byte offset`);
}

/** One download's kept range (partial data file + journal) in a state directory. */
export class PartialStore {
  /** The partial data file, `<stateDir>/<key>.part`. */
  readonly dataPath: string;
  /** The journal, `<stateDir>/<key>.journal.json`. */
  readonly journalPath: string;
  /** What opening the store found and repaired. */
  readonly recovery: Recovery;
  #journal: Journal | undefined;
  #busy = false;

  private constructor(
    readonly stateDir: string,
    readonly key: string,
    journal: Journal | undefined,
    recovery: Recovery,
  ) {
    this.dataPath = path.join(stateDir, `${key}.part`);
    this.journalPath = path.join(stateDir, `${key}.journal.json`);
    this.#journal = journal;
    this.recovery = recovery;
  }

  /**
   * Opens (creating `stateDir`) the store for `key` and repairs it: data beyond the journal's offset is cut
   * off, data without a journal is deleted, an interrupted commit is finished.
   */
  static async open(stateDir: string, key: string): Promise<PartialStore> {
    if (!KEY.test(key)) throw new Error(`invalid store key "${key}" (letters, digits, . _ - only)`);
    await fs.mkdir(stateDir, { recursive: true });
    const dataPath = path.join(stateDir, `${key}.part`);
    const journalPath = path.join(stateDir, `${key}.journal.json`);
    await removeStaleTemps(journalPath);
    const recovery: Recovery = { droppedBytes: 0, journalClamped: false, journalInvalid: false };

    let journal: Journal | undefined;
    let raw: unknown;
    try {
      raw = await readJson(journalPath);
    } catch (error) {
      // Only an unparsable journal is dropped; an I/O failure must not cost the kept data.
      if (!((error as Error).cause instanceof SyntaxError)) throw error;
      raw = null;
    }
    if (raw !== undefined) {
      if (isJournal(raw, key)) journal = raw;
      else {
        recovery.journalInvalid = true;
        await fs.rm(journalPath, { force: true });
      }
    }

    let size = await sizeOf(dataPath);
    if (journal?.committedTo !== undefined) {
      if (size === undefined && (await sizeOf(journal.committedTo)) !== undefined) {
        // The rename happened; only the journal's removal was lost.
        recovery.committedTo = journal.committedTo;
        await fs.rm(journalPath, { force: true });
        await fsyncDir(stateDir);
        return new PartialStore(stateDir, key, undefined, recovery);
      }
      // The rename did not happen: the data is still ours, the commit must be asked for again.
      const pending: Journal = { ...journal };
      delete pending.committedTo;
      journal = pending;
      await writeJsonAtomic(journalPath, journal);
    }

    if (journal === undefined) {
      if (size !== undefined) {
        // Bytes with no journal were never confirmed durable.
        recovery.droppedBytes = size;
        await fs.rm(dataPath, { force: true });
        await fsyncDir(stateDir);
      }
      return new PartialStore(stateDir, key, undefined, recovery);
    }

    size ??= 0;
    if (size > journal.durableOffset) {
      recovery.droppedBytes = size - journal.durableOffset;
      await truncateFile(dataPath, journal.durableOffset);
    } else if (size < journal.durableOffset) {
      recovery.journalClamped = true;
      journal = { ...journal, durableOffset: size };
      await writeJsonAtomic(journalPath, journal);
      if (size === 0) await truncateFile(dataPath, 0);
    }
    return new PartialStore(stateDir, key, journal, recovery);
  }

  /** The current journal, or `undefined` when nothing is kept. */
  get journal(): Journal | undefined {
    return this.#journal;
  }

  /** Bytes durably kept (0 when nothing is). */
  get durableOffset(): number {
    return this.#journal?.durableOffset ?? 0;
  }

  #enter(what: string): void {
    if (this.#busy) throw new Error(`${this.key}: ${what} while another operation is running`);
    this.#busy = true;
  }

  async #saveJournal(next: Journal): Promise<void> {
    await writeJsonAtomic(this.journalPath, next);
    this.#journal = next;
  }

  /**
   * Starts (or restarts) the kept range for `meta` at `fromOffset` (0 = from scratch, or at most the
   * durable offset to continue), recording `meta` in the journal and cutting data beyond `fromOffset`.
   */
  async begin(meta: PartialMeta, fromOffset: number): Promise<void> {
    checkOffset(fromOffset, 'begin');
    if (fromOffset > this.durableOffset) {
      throw new RangeError(
        `${this.key}: cannot begin at ${fromOffset}, only ${this.durableOffset} bytes are kept`,
      );
    }
    this.#enter('begin');
    try {
      // Journal first: lowering the recorded offset before cutting data keeps journal <= file at every instant.
      await this.#saveJournal({
        version: 1,
        key: this.key,
        ...(meta.ddUrl !== undefined ? { ddUrl: meta.ddUrl } : {}),
        objectUri: meta.objectUri,
        ...(meta.etag !== undefined ? { etag: meta.etag } : {}),
        ...(meta.length !== undefined ? { length: meta.length } : {}),
        durableOffset: fromOffset,
      });
      await truncateFile(this.dataPath, fromOffset);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Appends a body at the durable offset, one awaited write per chunk (memory does not grow with the
   * object), checkpointing every `flushEveryBytes`: fsync the data, then record the offset in the journal.
   * On a body error the bytes written so far are checkpointed before the error is rethrown.
   */
  async writeBody(body: AsyncIterable<Uint8Array>, options: WriteBodyOptions = {}): Promise<WriteBodyResult> {
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: writeBody before begin`);
    const flushEvery = options.flushEveryBytes ?? DEFAULT_FLUSH_EVERY_BYTES;
    if (!(flushEvery > 0)) throw new RangeError(`flushEveryBytes must be positive, got ${flushEvery}`);
    if (options.maxOffset !== undefined) checkOffset(options.maxOffset, 'maxOffset');
    this.#enter('writeBody');
    const start = journal.durableOffset;
    let position = start;
    let unflushed = 0;
    let overflow = false;
    const handle = await fs.open(this.dataPath, 'r+').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return fs.open(this.dataPath, 'w+');
    });
    const checkpoint = async () => {
      if (unflushed === 0 && position === this.durableOffset) return;
      // Data first: the journal must never name a byte the disk may not have.
      await handle.datasync();
      unflushed = 0;
      await this.#saveJournal({ ...this.#journal!, durableOffset: position });
      await options.onDurable?.(position);
    };
    try {
      // Whatever a failed earlier write left beyond the durable offset is not ours to keep.
      await handle.truncate(start);
      try {
        for await (const chunk of body) {
          let bytes = chunk;
          if (options.maxOffset !== undefined && position + bytes.byteLength > options.maxOffset) {
            bytes = bytes.subarray(0, options.maxOffset - position);
            overflow = true;
          }
          let done = 0;
          while (done < bytes.byteLength) {
            const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position);
            done += bytesWritten;
            position += bytesWritten;
            unflushed += bytesWritten;
          }
          if (bytes.byteLength > 0) options.onProgress?.(position);
          if (unflushed >= flushEvery) await checkpoint();
          // Leaving the loop closes the body (and with it the connection).
          if (overflow) break;
        }
      } catch (error) {
        // Keep what arrived before the failure (a pause or a cut connection): it is a valid prefix.
        // A failing checkpoint leaves the journal at its last offset, which is still safe; the body's error wins.
        await checkpoint().catch(() => {});
        throw error;
      }
      await checkpoint();
      return { durableOffset: position, bytesWritten: position - start, overflow };
    } finally {
      await handle.close();
      this.#busy = false;
    }
  }

  /** Lowers the kept range to `offset` bytes (at most the durable offset): journal first, then the data. */
  async truncateTo(offset: number): Promise<void> {
    checkOffset(offset, 'truncateTo');
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: truncateTo with nothing kept`);
    if (offset > journal.durableOffset) {
      throw new RangeError(
        `${this.key}: cannot truncate to ${offset}, only ${journal.durableOffset} bytes are kept`,
      );
    }
    this.#enter('truncateTo');
    try {
      await this.#saveJournal({ ...journal, durableOffset: offset });
      await truncateFile(this.dataPath, offset);
    } finally {
      this.#busy = false;
    }
  }

  /** Deletes the kept range: the journal first (so a crash never leaves a journal without its data), then the data. */
  async discard(): Promise<void> {
    this.#enter('discard');
    try {
      await fs.rm(this.journalPath, { force: true });
      await fsyncDir(this.stateDir);
      this.#journal = undefined;
      await fs.rm(this.dataPath, { force: true });
      await fsyncDir(this.stateDir);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Moves the kept data to `finalPath` (replacing any file there; pick it with `uniquePath`) by an atomic
   * rename, flushes the directories, then deletes the journal; parent directories are created.
   */
  async commit(finalPath: string): Promise<void> {
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: commit with nothing kept`);
    this.#enter('commit');
    try {
      const target = path.resolve(finalPath);
      await fs.mkdir(path.dirname(target), { recursive: true });
      if ((await sizeOf(this.dataPath)) === undefined) await truncateFile(this.dataPath, 0);
      await this.#saveJournal({ ...journal, committedTo: target });
      await moveFile(this.dataPath, target);
      await fsyncDir(path.dirname(target));
      await fs.rm(this.journalPath, { force: true });
      await fsyncDir(this.stateDir);
      this.#journal = undefined;
    } finally {
      this.#busy = false;
    }
  }
}
