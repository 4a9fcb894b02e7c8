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
import { randomBytes } from 'node:crypto';
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
import { fsyncDir, readJson, removeStaleTemps, TMP_SUFFIX, writeJsonAtomic } from './json-store.js';

export type { Journal, PartialMeta, Recovery, WriteBodyOptions, WriteBodyResult } from './journal.js';

/** Bytes written between two durable checkpoints (fsync + journal) of {@link PartialStore.writeBody}. @default 1_048_576 */
export const DEFAULT_FLUSH_EVERY_BYTES = 1024 * 1024;

/**
 * Largest single write of {@link PartialStore.writeBody}: network chunks (often 16–64 KiB) are coalesced
 * into writes this big (or a quarter of the flush interval when that is smaller). @default 262_144
 */
export const WRITE_BATCH_BYTES = 256 * 1024;

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
        ...(meta.acceptRanges !== undefined ? { acceptRanges: meta.acceptRanges } : {}),
        durableOffset: fromOffset,
      });
      await truncateFile(this.dataPath, fromOffset);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Appends a body at the durable offset and checkpoints it, pipelined so the network never waits on the disk
   * more than the durability bound requires:
   * - chunks are coalesced into writes of up to {@link WRITE_BATCH_BYTES} (one write in flight; memory is
   *   bounded by two batches, never by the object's size);
   * - a checkpoint (fdatasync the data, then replace the journal) starts once half of `flushEveryBytes` is
   *   written but not journaled, and runs while later bytes keep being written; at most one is in flight and
   *   it records only the offset written before its fdatasync started (so the journal never names a byte the
   *   disk may not have);
   * - the bound: never more than `flushEveryBytes` received bytes are outside the journal — a chunk larger than
   *   the room left is split and its rest taken after the next checkpoint — so a crash loses at most
   *   `flushEveryBytes`; the largest gap seen is returned as `maxUnjournaledBytes`.
   * On a body error the bytes received so far are written and checkpointed before the error is rethrown.
   */
  async writeBody(body: AsyncIterable<Uint8Array>, options: WriteBodyOptions = {}): Promise<WriteBodyResult> {
    const journal = this.#journal;
    if (journal === undefined) throw new Error(`${this.key}: writeBody before begin`);
    const flushEvery = options.flushEveryBytes ?? DEFAULT_FLUSH_EVERY_BYTES;
    if (!(flushEvery > 0)) throw new RangeError(`flushEveryBytes must be positive, got ${flushEvery}`);
    if (options.maxOffset !== undefined) checkOffset(options.maxOffset, 'maxOffset');
    this.#enter('writeBody');
    const start = journal.durableOffset;
    // A batch is at most a quarter of the interval, so a checkpoint can start while the next batches arrive.
    const batchBytes = Math.max(1, Math.min(WRITE_BATCH_BYTES, Math.floor(flushEvery / 4)));
    const checkpointAfter = Math.max(1, Math.floor(flushEvery / 2));
    let received = start; // taken from the body: in a batch, being written or on disk
    let issued = start; // handed to a write
    let written = start; // writes completed
    let batch: Uint8Array[] = [];
    let batchSize = 0;
    let maxUnjournaled = 0;
    let overflow = false;
    let failure: { error: unknown } | undefined;
    let writing: Promise<void> | undefined;
    let checkpointing: Promise<void> | undefined;
    const handle = await fs.open(this.dataPath, 'r+').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return fs.open(this.dataPath, 'w+');
    });
    const fail = (error: unknown) => {
      failure ??= { error };
    };
    const rethrow = () => {
      if (failure) throw failure.error;
    };
    const checkpoint = (): Promise<void> => {
      // Every write counted in `written` has completed, so the fdatasync below covers it; later writes may
      // run alongside, but the journal will not name them.
      const target = written;
      const task = (async () => {
        const next: Journal = { ...this.#journal!, durableOffset: target };
        // The temporary journal is prepared while the data syncs; it becomes the journal (rename) only after.
        const [tmp] = await Promise.all([writeJournalTemp(this.journalPath, next), handle.datasync()]);
        await replaceJournal(tmp, this.journalPath);
        this.#journal = next;
        await options.onDurable?.(target);
      })();
      const tracked: Promise<void> = task.catch(fail).then(() => {
        if (checkpointing !== tracked) return;
        checkpointing = undefined;
        // Bytes written while this checkpoint ran may already call for the next one.
        maybeCheckpoint();
      });
      checkpointing = tracked;
      return tracked;
    };
    const maybeCheckpoint = () => {
      if (
        checkpointing === undefined &&
        failure === undefined &&
        written - this.durableOffset >= checkpointAfter
      )
        void checkpoint();
    };
    const flushBatch = async (): Promise<void> => {
      if (batchSize === 0) return;
      // One write in flight: the next batch fills while this one is written.
      if (writing) await writing;
      rethrow();
      const chunks = batch;
      const size = batchSize;
      const at = issued;
      batch = [];
      batchSize = 0;
      issued += size;
      const task: Promise<void> = writeAll(handle, chunks, size, at)
        .then(() => {
          written = at + size;
          options.onProgress?.(written);
        }, fail)
        .then(() => {
          if (writing === task) writing = undefined;
          maybeCheckpoint();
        });
      writing = task;
    };
    const drain = async (): Promise<void> => {
      await flushBatch();
      if (writing) await writing;
      while (checkpointing) await checkpointing;
    };
    try {
      // Whatever a failed earlier write left beyond the durable offset is not ours to keep.
      await handle.truncate(start);
      try {
        const iterator = body[Symbol.asyncIterator]();
        // The part of a chunk beyond the room the bound leaves: written after the next checkpoint.
        let carry: Uint8Array | undefined;
        try {
          for (;;) {
            // The durability bound: never more than the interval beyond the journal (a chunk larger than the
            // room left is split), so a crash re-fetches at most `flushEvery` bytes.
            while (received - this.durableOffset >= flushEvery) {
              rethrow();
              if (batchSize > 0 && !writing) await flushBatch();
              else if (checkpointing) await checkpointing;
              else if (writing) await writing;
              else if (written > this.durableOffset) await checkpoint();
              else await flushBatch();
            }
            rethrow();
            let bytes: Uint8Array;
            if (carry !== undefined) {
              bytes = carry;
              carry = undefined;
            } else {
              const next = await iterator.next();
              if (next.done) break;
              bytes = next.value;
              if (options.maxOffset !== undefined && received + bytes.byteLength > options.maxOffset) {
                bytes = bytes.subarray(0, options.maxOffset - received);
                overflow = true;
              }
            }
            const room = flushEvery - (received - this.durableOffset);
            if (bytes.byteLength > room) {
              carry = bytes.subarray(room);
              bytes = bytes.subarray(0, room);
            }
            if (bytes.byteLength > 0) {
              batch.push(bytes);
              batchSize += bytes.byteLength;
              received += bytes.byteLength;
              maxUnjournaled = Math.max(maxUnjournaled, received - this.durableOffset);
              if (batchSize >= batchBytes) await flushBatch();
            }
            // Leaving the loop closes the body (and with it the connection).
            if (overflow && carry === undefined) break;
          }
        } finally {
          if (overflow || failure) await iterator.return?.();
        }
        await drain();
        rethrow();
      } catch (error) {
        // Keep what arrived before the failure (a pause or a cut connection): it is a valid prefix.
        // A failing write or checkpoint leaves the journal at its last offset, which is still safe; a storage
        // failure wins over the body's error (it is the reason the loop stopped).
        if (failure === undefined) {
          await drain().catch(() => {});
          if (failure === undefined && written !== this.durableOffset) await checkpoint();
        } else {
          await writing;
          await checkpointing;
        }
        throw failure === undefined ? error : failure.error;
      }
      if (written !== this.durableOffset) await checkpoint();
      rethrow();
      return {
        durableOffset: written,
        bytesWritten: written - start,
        overflow,
        maxUnjournaledBytes: maxUnjournaled,
      };
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

/** Writes `chunks` (`size` bytes in all) at `position`, looping over short writes. */
async function writeAll(
  handle: fs.FileHandle,
  chunks: Uint8Array[],
  size: number,
  position: number,
): Promise<void> {
  let done = (await handle.writev(chunks, position)).bytesWritten;
  if (done === size) return;
  const rest = Buffer.concat(chunks, size);
  while (done < size) {
    const { bytesWritten } = await handle.write(rest, done, size - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes a growth checkpoint's journal to a fsync'd temporary sibling (named so `removeStaleTemps` finds it)
 * and resolves its path; {@link replaceJournal} then renames it over the journal.
 */
async function writeJournalTemp(journalPath: string, journal: Journal): Promise<string> {
  const tmp = `${journalPath}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(journal, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw error;
  } finally {
    await handle.close().catch(() => {});
  }
  return tmp;
}

/**
 * Renames a prepared journal over the old one (atomic). The directory is not fsync'd here: a growth checkpoint
 * whose rename is lost to a power cut leaves the previous, smaller offset, which is still <= the data on disk;
 * the shrinking operations (`begin`, `truncateTo`, `discard`, `commit`) keep their full directory flush.
 */
async function replaceJournal(tmp: string, journalPath: string): Promise<void> {
  try {
    await fs.rename(tmp, journalPath);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}
