/**
 * The write pipeline of {@link PartialStore.writeBody}: a body's chunks are coalesced into positional writes
 * (one in flight), and durable checkpoints (fdatasync, then the journal) run alongside, bounded so that never
 * more than `flushEveryBytes` written bytes are outside the journal and, with `flushEveryMs`, no received byte stays
 * outside it much longer than that (a slow body is checkpointed by time).
 *
 * @module
 */
import { writeSync, writevSync } from 'node:fs';
import type { WriteBodyOptions, WriteBodyResult } from './journal.js';

/**
 * Written bytes allowed outside the journal by `PartialStore.writeBody` (checkpoints start at half of it): what a
 * power cut may cost. 32 MiB keeps a checkpoint (fdatasync, then a journal replaced by rename) from gating a
 * loopback download: measured by `npm run bench`, 8 MiB held the agent at 0.8x curl, 32 MiB above 1x.
 * @default 33_554_432
 */
export const DEFAULT_FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * The time bound the download manager gives `PartialStore.writeBody` (`flushEveryMs`): bytes received are written
 * and checkpointed at most this long after the last checkpoint, however slowly they arrive (the size bound alone
 * would leave a trickling body unjournaled for hours). One checkpoint a second is cheap beside any transfer.
 * @default 1000
 */
export const DEFAULT_FLUSH_EVERY_MS = 1000;

/**
 * Largest single write of `PartialStore.writeBody`: network chunks are coalesced into writes this big (or a
 * quarter of the flush interval when that is smaller). @default 262_144
 */
export const WRITE_BATCH_BYTES = 256 * 1024;

/** What the pipeline writes into: the open data file and the store's checkpoint. */
export interface AppendTarget {
  /** The open data file's descriptor. */
  readonly fd: number;
  /** The offset the body's first byte goes to (the durable offset). */
  readonly start: number;
  /** The offset the journal names now. */
  durableOffset(): number;
  /** Makes every byte below `offset` durable: fdatasync the data, then record `offset` in the journal. */
  checkpoint(offset: number): Promise<void>;
}

/** One taken chunk, in the batch with the part of it that is written last. */
interface Batch {
  parts: Uint8Array[];
  size: number;
  /** Chunks whose last byte is in this batch: given back (`release`) once the batch is written. */
  done: Uint8Array[];
}

const emptyBatch = (): Batch => ({ parts: [], size: 0, done: [] });

/**
 * Appends `body` at `target.start`, pipelined: a checkpoint starts once half of the interval is written but
 * not journaled and runs while later bytes are written; it names only bytes whose write completed before its
 * fdatasync started. A chunk larger than the room the bound leaves is split, its rest taken after the next
 * checkpoint. On a body error the bytes received so far are written and checkpointed before it is rethrown.
 */
export async function appendBody(
  target: AppendTarget,
  body: AsyncIterable<Uint8Array>,
  options: WriteBodyOptions,
): Promise<WriteBodyResult> {
  const flushEvery = options.flushEveryBytes ?? DEFAULT_FLUSH_EVERY_BYTES;
  const release = options.release ?? (() => {});
  // A batch is at most a quarter of the interval, so a checkpoint can start while the next batches arrive.
  const batchBytes = Math.max(1, Math.min(WRITE_BATCH_BYTES, Math.floor(flushEvery / 4)));
  const checkpointAfter = Math.max(1, Math.floor(flushEvery / 2));
  const flushEveryMs = options.flushEveryMs;
  const durable = () => target.durableOffset();
  // The time bound: when the last checkpoint started, the timer to the next one, and whether it is due.
  let checkpointedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let due = false;
  let ended = false;
  let received = target.start; // taken from the body: in a batch, being written or on disk
  let issued = target.start; // handed to a write
  let written = target.start; // writes completed
  let batch = emptyBatch();
  let maxUnjournaled = 0;
  let overflow = false;
  let failure: { error: unknown } | undefined;
  let writing: Promise<void> | undefined;
  let checkpointing: Promise<void> | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  const rethrow = () => {
    if (failure) throw failure.error;
  };
  const checkpoint = (): Promise<void> => {
    checkpointedAt = Date.now();
    due = false;
    // Every write counted in `written` has completed, so the fdatasync covers it; later writes may run
    // alongside, but the journal will not name them.
    const task = target.checkpoint(written);
    const tracked: Promise<void> = task.catch(fail).then(() => {
      if (checkpointing !== tracked) return;
      checkpointing = undefined;
      // Bytes written while this checkpoint ran may already call for the next one.
      maybeCheckpoint();
      armTimer();
    });
    checkpointing = tracked;
    return tracked;
  };
  const maybeCheckpoint = () => {
    if (checkpointing !== undefined || failure !== undefined) return;
    if (written - durable() >= checkpointAfter || (due && written > durable())) void checkpoint();
  };
  /** Arms the time bound while received bytes are outside the journal (at most one timer). */
  const armTimer = () => {
    if (flushEveryMs === undefined || timer !== undefined || failure !== undefined || ended) return;
    if (received === durable()) return;
    timer = setTimeout(onDue, Math.max(0, checkpointedAt + flushEveryMs - Date.now()));
  };
  /** The interval since the last checkpoint is over: write what is batched, then checkpoint it. */
  const onDue = () => {
    timer = undefined;
    if (failure !== undefined || received === durable()) return;
    if (Date.now() - checkpointedAt < flushEveryMs!) return armTimer();
    due = true;
    // The batch's write completes synchronously and then checks; a write in flight checks when it completes.
    if (batch.size > 0 && !writing) void flushBatch();
    else maybeCheckpoint();
  };
  const flushBatch = async (): Promise<void> => {
    if (batch.size === 0) {
      for (const chunk of batch.done.splice(0)) release(chunk);
      return;
    }
    // One write in flight: the next batch fills while this one is written.
    if (writing) await writing;
    rethrow();
    // Another caller (the time bound) may have taken the batch meanwhile.
    if (batch.size === 0) return;
    const { parts, size, done } = batch;
    const at = issued;
    batch = emptyBatch();
    issued += size;
    const task: Promise<void> = writeAll(target.fd, parts, size, at)
      .then(() => {
        written = at + size;
        options.onProgress?.(written);
      }, fail)
      .then(() => {
        for (const chunk of done) release(chunk);
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

  const iterator = body[Symbol.asyncIterator]();
  // The chunk being taken and the part of it beyond the room the bound leaves (written after a checkpoint).
  let owner: Uint8Array | undefined;
  let carry: Uint8Array | undefined;
  try {
    try {
      for (;;) {
        // The durability bound: never more than the interval beyond the journal.
        while (received - durable() >= flushEvery) {
          rethrow();
          if (batch.size > 0 && !writing) await flushBatch();
          else if (checkpointing) await checkpointing;
          else if (writing) await writing;
          else if (written > durable()) await checkpoint();
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
          owner = next.value;
          bytes = next.value;
          if (options.maxOffset !== undefined && received + bytes.byteLength > options.maxOffset) {
            bytes = bytes.subarray(0, options.maxOffset - received);
            overflow = true;
          }
        }
        const room = flushEvery - (received - durable());
        if (bytes.byteLength > room) {
          carry = bytes.subarray(room);
          bytes = bytes.subarray(0, room);
        }
        if (bytes.byteLength > 0) {
          batch.parts.push(bytes);
          batch.size += bytes.byteLength;
          received += bytes.byteLength;
          maxUnjournaled = Math.max(maxUnjournaled, received - durable());
          armTimer();
        }
        if (carry === undefined && owner !== undefined) {
          batch.done.push(owner);
          owner = undefined;
        }
        if (batch.size >= batchBytes) await flushBatch();
        // Leaving the loop closes the body (and with it the connection).
        if (overflow && carry === undefined) break;
      }
    } finally {
      if (overflow || failure) await iterator.return?.();
    }
    await drain();
    rethrow();
  } catch (error) {
    // Keep what arrived before the failure (a pause or a cut connection): it is a valid prefix. A failing
    // write or checkpoint leaves the journal at its last offset, which is still safe; a storage failure wins
    // over the body's error (it is the reason the loop stopped).
    if (failure === undefined) {
      await drain().catch(() => {});
      if (failure === undefined && written !== durable()) await checkpoint();
    } else {
      await writing;
      await checkpointing;
    }
    throw failure === undefined ? error : failure.error;
  } finally {
    ended = true;
    clearTimeout(timer);
    // Chunks never written (a failure stopped the pipeline) are given back too.
    for (const chunk of batch.done.splice(0)) release(chunk);
    if (owner !== undefined) release(owner);
  }
  options.onWritten?.(written);
  if (written !== durable()) await checkpoint();
  rethrow();
  return {
    durableOffset: written,
    bytesWritten: written - target.start,
    overflow,
    maxUnjournaledBytes: maxUnjournaled,
  };
}

/**
 * Writes `chunks` (`size` bytes in all) at `position`, looping over short writes. The write is synchronous, like
 * curl's: a batch (at most one read pool's worth) goes to the page cache in one `pwritev` on the event loop,
 * which measured faster on loopback than a thread-pool round trip per batch (`npm run bench`); the fdatasync of a
 * checkpoint still runs on the thread pool, alongside later writes.
 */
async function writeAll(fd: number, chunks: Uint8Array[], size: number, position: number): Promise<void> {
  let done = writevSync(fd, chunks, position);
  if (done === size) return;
  const rest = Buffer.concat(chunks, size);
  while (done < size) done += writeSync(fd, rest, done, size - done, position + done);
}
