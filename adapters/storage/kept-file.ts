/**
 * A partial file whose journal is its owner's: one data file and nothing beside it. `PartialStore` keeps a journal
 * next to its data (the agent has no other record of what it kept); the download manager has one already — its
 * registry, which names a download's durable byte count only after this file's bytes were fdatasync'd (the
 * checkpoint's `onDurable` is where the owner commits it). A second record of the same number would be written,
 * renamed, fsync'd and deleted per download for nothing: for a 1 MiB object that was most of the file-system calls.
 *
 * The kept range after any crash is therefore `min(what the owner's record says, the file's size)`: the record
 * never runs ahead of fdatasync'd bytes, and bytes written after the last checkpoint are cut by the next write
 * (it truncates to its start). Writes go through `appendBody`, as `PartialStore.writeBody`'s do.
 *
 * @module
 */
import { closeSync, constants as fsConstants, fstatSync, ftruncateSync, open, rmSync } from 'node:fs';
import path from 'node:path';
import { appendBody } from './body-writer.js';
import { moveFile, sizeOfSync } from './file-ops.js';
import { fdatasyncFd } from './flush.js';
import type { WriteBodyOptions, WriteBodyResult } from './journal.js';
import { fsyncDir } from './json-store.js';
import { makeDir } from './make-dir.js';

/** A download's partial data file, its durable offset recorded by its owner. */
export class KeptFile {
  constructor(readonly dataPath: string) {}

  /** The file's size in bytes (0 when there is none). */
  size(): number {
    return sizeOfSync(this.dataPath) ?? 0;
  }

  /**
   * Writes `body` from byte `start` (the file is cut there first: what lies beyond is not the owner's to keep),
   * checkpointing as `PartialStore.writeBody` does — fdatasync, then `onDurable(offset)`, awaited before the bound
   * lets more bytes be written.
   */
  async write(
    body: AsyncIterable<Uint8Array>,
    start: number,
    options: WriteBodyOptions = {},
  ): Promise<WriteBodyResult> {
    checkStart(start);
    return (await this.open()).write(body, start, options);
  }

  /**
   * Opens the data file for one write (created when missing, its directory too), so the open can run while the body
   * is still on its way: creating a file can wait a millisecond or more for metadata a concurrent fsync is writing
   * out (the directory's or inode table's blocks, or the journal). The writer must be written or closed.
   *
   * The open keeps what the file holds (the write cuts it at its start), unless `empty`: for a write from byte 0
   * that keeps nothing, the open empties the file (O_TRUNC, which leaves a file it creates alone), and the write
   * then needs no look at its size.
   */
  async open(options: { readonly empty?: boolean } = {}): Promise<KeptWriter> {
    const empty = options.empty === true;
    return new KeptWriter(await openForWrite(this.dataPath, empty), empty ? 0 : undefined);
  }

  /**
   * Moves the kept bytes to `target` (its directory made when missing) and fsyncs that directory: once this
   * resolves, the file is at `target` after a power cut too.
   */
  async commit(target: string): Promise<void> {
    const dir = path.dirname(target);
    try {
      await moveFile(this.dataPath, target);
    } catch (error) {
      // The first file into a directory that is not there yet: made (or found made), then moved again; a second
      // ENOENT means the bytes are gone. Not "ENOENT and the directory exists, so the source is gone": another
      // commit's mkdir, on the thread pool, can land between this rename and that check (a download then waited in
      // verifying for ever, in 5 of 1 620 runs of 64).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await makeDir(dir);
      await moveFile(this.dataPath, target);
    }
    await fsyncDir(dir);
  }

  /** Deletes the kept bytes (none kept: nothing to do). */
  discard(): void {
    rmSync(this.dataPath, { force: true });
  }
}

/** The data file of a {@link KeptFile}, open for one write; closed by it, or by {@link close} when not written. */
export class KeptWriter {
  #fd: number | undefined;
  /** The file's size when known without asking (0: opened emptied). */
  readonly #size: number | undefined;

  constructor(fd: number, size?: number) {
    this.#fd = fd;
    this.#size = size;
  }

  /** {@link KeptFile.write} into this open file; the file is closed when it ends. */
  async write(
    body: AsyncIterable<Uint8Array>,
    start: number,
    options: WriteBodyOptions = {},
  ): Promise<WriteBodyResult> {
    const fd = this.#fd;
    if (fd === undefined) throw new Error('KeptWriter: written after it was closed');
    try {
      checkStart(start);
      let durable = start;
      // Cut only what lies beyond `start`: a truncate to the size a file already has is not free — ext4 then flushes
      // the file when it is closed (auto_da_alloc), 40 µs of the event loop per new 1 MiB file here.
      if ((this.#size ?? fstatSync(fd).size) > start) ftruncateSync(fd, start);
      return await appendBody(
        {
          fd,
          start,
          durableOffset: () => durable,
          checkpoint: async (offset) => {
            await fdatasyncFd(fd);
            durable = offset;
            await options.onDurable?.(offset);
          },
        },
        body,
        options,
      );
    } finally {
      this.close();
    }
  }

  /** Closes the file (once; later calls do nothing). */
  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}

function checkStart(start: number): void {
  if (!Number.isSafeInteger(start) || start < 0)
    throw new RangeError(`start must be a byte offset, got ${start}`);
}

/** open(2) on the thread pool: creating a file can wait for metadata blocks (or a journal) a concurrent fsync is writing. */
function openAsync(file: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) =>
    open(file, flags, (error, fd) => (error ? reject(error) : resolve(fd))),
  );
}

/** The data file opened read-write, created when missing (its directory too), emptied by the open only if `empty`. */
async function openForWrite(file: string, empty: boolean): Promise<number> {
  // No O_APPEND: writes are positional.
  const flags = fsConstants.O_RDWR | fsConstants.O_CREAT | (empty ? fsConstants.O_TRUNC : 0);
  try {
    return await openAsync(file, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await makeDir(path.dirname(file));
    return openAsync(file, flags);
  }
}
