/**
 * The kept range of one download: a partial data file plus a small JSON journal in a state directory.
 *
 * Crash safety rests on one invariant — the journal's `durableOffset` never exceeds the bytes on disk:
 * - growing: data is written and fsync'd first, THEN the journal records the new offset (atomic replace);
 * - shrinking (`begin` from an earlier offset, `truncateTo`, `discard`): the journal goes first, then the data;
 * - opening after an OS crash or power cut (another boot, or a boot the OS cannot name): data beyond the
 *   journal's offset was never confirmed durable and is cut off;
 * - opening in the same boot after a process crash (`kill -9`): bytes the writer had handed to the kernel are
 *   still there (the page cache outlives the process), so the data beyond the offset — appended by
 *   `writeBody` after it cut the file to the offset, as the journal's `appendBoot` says — is kept: fsync'd
 *   first, then journaled. A kill therefore costs only what was not yet written (at most the HTTP read pool),
 *   a power cut at most `flushEveryBytes`.
 * - `begin(…, { deferJournal })` (the download manager): a fresh range writes no journal until its first
 *   checkpoint, so a crash before it keeps nothing of that range (data without a journal is deleted on open).
 * The resume offset is always what is on disk, never a received-bytes counter (stack.md sharp edge 8). The kept data stays in the state directory, unusable, until `commit`
 * moves it to its final path (DL-PR-5, DL-INST-2 — the machine decides when).
 *
 * The store reports facts (offsets, what recovery found); whether a range may be resumed is not its call.
 *
 * @module
 */
import { closeSync, constants as fsConstants, ftruncateSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { appendBody, DEFAULT_FLUSH_EVERY_BYTES } from './body-writer.js';
import { currentBootId } from './boot.js';
import { moveFile, sizeOf, syncFile, truncateFile } from './file-ops.js';
import { fdatasyncFd } from './flush.js';
import {
  isJournal,
  type Journal,
  type OpenOptions,
  type PartialMeta,
  type Recovery,
  type WriteBodyOptions,
  type WriteBodyResult,
} from './journal.js';
import {
  fsyncDir,
  readJson,
  removeStaleTemps,
  renameOver,
  writeJsonAtomic,
  writeJsonTemp,
} from './json-store.js';
import { makeDir, makeDirSync } from './make-dir.js';

export { DEFAULT_FLUSH_EVERY_BYTES, DEFAULT_FLUSH_EVERY_MS, WRITE_BATCH_BYTES } from './body-writer.js';
export type {
  Journal,
  OpenOptions,
  PartialMeta,
  Recovery,
  WriteBodyOptions,
  WriteBodyResult,
} from './journal.js';

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
  readonly #bootId: string | null;

  private constructor(
    readonly stateDir: string,
    readonly key: string,
    journal: Journal | undefined,
    recovery: Recovery,
    bootId: string | null,
  ) {
    this.dataPath = keptDataPath(stateDir, key);
    this.journalPath = path.join(stateDir, `${key}.journal.json`);
    this.#journal = journal;
    this.recovery = recovery;
    this.#bootId = bootId;
  }

  /**
   * Opens (creating `stateDir`) the store for `key` and repairs it: data beyond the journal's offset is kept
   * when this boot appended it (made durable, then journaled) and cut off otherwise, data without a journal is
   * deleted, an interrupted commit is finished.
   */
  static async open(stateDir: string, key: string, options: OpenOptions = {}): Promise<PartialStore> {
    if (!KEY.test(key)) throw new Error(`invalid store key "${key}" (letters, digits, . _ - only)`);
    const bootId = options.bootId === undefined ? currentBootId() : options.bootId;
    const dataPath = keptDataPath(stateDir, key);
    const journalPath = path.join(stateDir, `${key}.journal.json`);
    if (!options.dirReady) {
      await makeDir(stateDir);
      await removeStaleTemps(journalPath);
    }
    const recovery: Recovery = {
      droppedBytes: 0,
      keptBytes: 0,
      journalClamped: false,
      journalInvalid: false,
    };

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
        rmSync(journalPath, { force: true });
      }
    }

    let size = await sizeOf(dataPath);
    if (journal?.committedTo !== undefined) {
      if (size === undefined && (await sizeOf(journal.committedTo)) !== undefined) {
        // The rename happened; only the journal's removal was lost.
        recovery.committedTo = journal.committedTo;
        rmSync(journalPath, { force: true });
        await fsyncDir(stateDir);
        return new PartialStore(stateDir, key, undefined, recovery, bootId);
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
        rmSync(dataPath, { force: true });
        await fsyncDir(stateDir);
      }
      return new PartialStore(stateDir, key, undefined, recovery, bootId);
    }

    size ??= 0;
    if (size > journal.durableOffset) {
      // Appended in this boot: on disk as far as any reader of this boot can tell (the object's length caps it).
      const sameBoot = bootId !== null && journal.appendBoot === bootId;
      const keep = sameBoot ? Math.min(size, journal.length ?? size) : journal.durableOffset;
      if (size > keep) await truncateFile(dataPath, keep);
      recovery.droppedBytes = size - keep;
      if (keep > journal.durableOffset) {
        // Durable first (a power cut from now on must not cost them), then named by the journal.
        await syncFile(dataPath);
        recovery.keptBytes = keep - journal.durableOffset;
        journal = { ...journal, durableOffset: keep };
        await writeJsonAtomic(journalPath, journal);
      }
    } else if (size < journal.durableOffset) {
      recovery.journalClamped = true;
      journal = { ...journal, durableOffset: size };
      await writeJsonAtomic(journalPath, journal);
      if (size === 0) await truncateFile(dataPath, 0);
    }
    return new PartialStore(stateDir, key, journal, recovery, bootId);
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
    // open made the state directory.
    await writeJsonAtomic(this.journalPath, next, { dirExists: true });
    this.#journal = next;
  }

  /**
   * Starts (or restarts) the kept range for `meta` at `fromOffset` (0 = from scratch, or at most the
   * durable offset to continue), recording `meta` in the journal and cutting data beyond `fromOffset`.
   */
  async begin(meta: PartialMeta, fromOffset: number, options: BeginOptions = {}): Promise<void> {
    checkOffset(fromOffset, 'begin');
    if (fromOffset > this.durableOffset) {
      throw new RangeError(
        `${this.key}: cannot begin at ${fromOffset}, only ${this.durableOffset} bytes are kept`,
      );
    }
    this.#enter('begin');
    try {
      const next: Journal = {
        version: 1,
        key: this.key,
        ...(meta.ddUrl !== undefined ? { ddUrl: meta.ddUrl } : {}),
        objectUri: meta.objectUri,
        ...(meta.etag !== undefined ? { etag: meta.etag } : {}),
        ...(meta.lastModified !== undefined ? { lastModified: meta.lastModified } : {}),
        ...(meta.length !== undefined ? { length: meta.length } : {}),
        ...(meta.acceptRanges !== undefined ? { acceptRanges: meta.acceptRanges } : {}),
        durableOffset: fromOffset,
      };
      if (this.#journal === undefined && options.deferJournal) {
        // Nothing kept and nothing to record yet: the first checkpoint writes the journal. Until then a data file
        // has no journal, so opening the store after a crash deletes it (writeBody cuts it before writing).
        this.#journal = this.#bootId === null ? next : { ...next, appendBoot: this.#bootId };
      } else if (this.#journal === undefined && this.#bootId !== null) {
        // Nothing kept (fromOffset is 0): there is no recorded offset to lower, so the data goes first — cut, if
        // a file is there at all — and the one journal write may already say that bytes beyond the offset are
        // this boot's appends (what writeBody would otherwise journal before its first byte).
        if ((await sizeOf(this.dataPath)) !== undefined) await truncateFile(this.dataPath, fromOffset);
        await this.#saveJournal({ ...next, appendBoot: this.#bootId });
      } else {
        // Journal first: lowering the recorded offset before cutting data keeps journal <= file at every instant.
        await this.#saveJournal(next);
        await truncateFile(this.dataPath, fromOffset);
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Appends a body at the durable offset and checkpoints it (`appendBody` in body-writer.ts: coalesced writes, one in
   * flight, checkpoints pipelined, never more than `flushEveryBytes` written bytes outside the journal, and with
   * `flushEveryMs` a checkpoint at least that often while bytes arrive).
   * Before the first byte, the journal records the boot this append runs in, so that reopening in the same
   * boot keeps what was written even if it was not yet checkpointed (see {@link PartialStore.open}).
   */
  async writeBody(body: AsyncIterable<Uint8Array>, options: WriteBodyOptions = {}): Promise<WriteBodyResult> {
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: writeBody before begin`);
    const flushEvery = options.flushEveryBytes ?? DEFAULT_FLUSH_EVERY_BYTES;
    if (!(flushEvery > 0)) throw new RangeError(`flushEveryBytes must be positive, got ${flushEvery}`);
    if (options.flushEveryMs !== undefined && !(options.flushEveryMs > 0))
      throw new RangeError(`flushEveryMs must be positive, got ${options.flushEveryMs}`);
    if (options.maxOffset !== undefined) checkOffset(options.maxOffset, 'maxOffset');
    this.#enter('writeBody');
    const start = journal.durableOffset;
    let fd: number | undefined;
    try {
      // Read-write, created when missing, never truncated by the open (no O_APPEND: writes are positional).
      fd = openSync(this.dataPath, fsConstants.O_RDWR | fsConstants.O_CREAT);
      // Whatever a failed earlier write left beyond the durable offset is not ours to keep — and only once it
      // is cut may the journal say that bytes beyond its offset are this boot's appends.
      ftruncateSync(fd, start);
      if (this.#bootId !== null && journal.appendBoot !== this.#bootId)
        await this.#saveJournal({ ...journal, appendBoot: this.#bootId });
      const data = fd;
      return await appendBody(
        {
          fd: data,
          start,
          durableOffset: () => this.durableOffset,
          checkpoint: async (offset) => {
            const next: Journal = { ...this.#journal!, durableOffset: offset };
            // The temporary journal is prepared while the data syncs; it becomes the journal only after. The
            // directory is not fsync'd: a growth checkpoint whose rename a power cut loses leaves the previous,
            // smaller offset, still <= the data on disk (the shrinking operations keep their full flush).
            const [tmp] = await Promise.all([writeJsonTemp(this.journalPath, next), fdatasyncFd(data)]);
            await renameOver(tmp, this.journalPath);
            this.#journal = next;
            await options.onDurable?.(offset);
          },
        },
        body,
        options,
      );
    } finally {
      if (fd !== undefined) closeSync(fd);
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
      await this.#saveJournal({ ...withoutAppendBoot(journal), durableOffset: offset });
      await truncateFile(this.dataPath, offset);
    } finally {
      this.#busy = false;
    }
  }

  /** Deletes the kept range: the journal first (so a crash never leaves a journal without its data), then the data. */
  async discard(): Promise<void> {
    this.#enter('discard');
    try {
      rmSync(this.journalPath, { force: true });
      await fsyncDir(this.stateDir);
      this.#journal = undefined;
      rmSync(this.dataPath, { force: true });
      await fsyncDir(this.stateDir);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Moves the kept data to `finalPath` (replacing any file there; pick it with `uniquePath`) by an atomic
   * rename, flushes the target's directory, then deletes the journal; parent directories are created.
   */
  async commit(finalPath: string, options: CommitOptions = {}): Promise<void> {
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: commit with nothing kept`);
    this.#enter('commit');
    try {
      const target = path.resolve(finalPath);
      makeDirSync(path.dirname(target));
      if ((await sizeOf(this.dataPath)) === undefined) await truncateFile(this.dataPath, 0);
      if (options.recordTarget ?? true)
        await this.#saveJournal({ ...withoutAppendBoot(journal), committedTo: target });
      await moveFile(this.dataPath, target);
      await fsyncDir(path.dirname(target));
      // Not flushed: a journal a power cut brings back names a commit whose rename is durable, which `open`
      // finishes (the same state as a crash right after the rename).
      rmSync(this.journalPath, { force: true });
      this.#journal = undefined;
    } finally {
      this.#busy = false;
    }
  }
}

/** Options of {@link PartialStore.begin}. */
export interface BeginOptions {
  /**
   * When nothing is kept: write no journal until the first checkpoint — one journal write (two fsyncs) fewer
   * per download, at the price that a crash before the first checkpoint, even a `kill -9`, keeps none of the
   * bytes written (at most one checkpoint interval; without it a process crash keeps every written byte).
   * The download manager uses it; the agent does not. @default false
   */
  readonly deferJournal?: boolean;
}

/** Options of {@link PartialStore.commit}. */
export interface CommitOptions {
  /**
   * Record the target in the journal before the rename, so that opening the store after a crash between the
   * rename and the journal's removal reports the finished commit (`recovery.committedTo`). False: one journal
   * write (two fsyncs) fewer, and such a crash leaves an empty store (the moved file is not named) — for a
   * caller that keeps its own record of completion (the download manager's registry). @default true
   */
  readonly recordTarget?: boolean;
}

/** The data file of the range kept for `key` in `stateDir`. */
export function keptDataPath(stateDir: string, key: string): string {
  return path.join(stateDir, `${key}.part`);
}

/** The journal without its `appendBoot`: for operations that cut the data (bytes beyond the offset are not appends). */
function withoutAppendBoot(journal: Journal): Journal {
  const copy = { ...journal };
  delete copy.appendBoot;
  return copy;
}
