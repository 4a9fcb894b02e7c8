/**
 * The journal of a kept range and the shapes `PartialStore` reads and returns.
 *
 * @module
 */

/** The journal of a kept range, as stored in `<key>.journal.json`. */
export interface Journal {
  version: 1;
  /** The store key (also the file-name stem). */
  key: string;
  /** The URL of the descriptor the download came from, when there is one. */
  ddUrl?: string;
  /** The URL the object is fetched from. */
  objectUri: string;
  /** The ETag of the object the kept bytes belong to, when the server gave one. */
  etag?: string;
  /** The `Last-Modified` of the object the kept bytes belong to, when the server gave one. */
  lastModified?: string;
  /** The object's total length, when known. */
  length?: number;
  /** Whether the server that sent the kept bytes exposed `Accept-Ranges: bytes` (a restart resumes only then). */
  acceptRanges?: boolean;
  /** Bytes of the data file known to be on disk (fsync'd before this value was written). */
  durableOffset: number;
  /** When the journal was last written (ISO 8601); informative only, never written by this store, ignored. */
  updatedAt?: string;
  /**
   * The boot (`/proc/sys/kernel/random/boot_id`) in which `writeBody` appended past `durableOffset` after cutting
   * the file there: reopening in that same boot keeps those bytes. Absent after every operation that cuts.
   */
  appendBoot?: string;
  /** Set just before `commit` renames the data: lets `open` finish a commit a crash interrupted. */
  committedTo?: string;
}

/** What a download's kept range belongs to; recorded in the journal by {@link PartialStore.begin}. */
export interface PartialMeta {
  objectUri: string;
  etag?: string;
  lastModified?: string;
  length?: number;
  /** Whether the server exposed `Accept-Ranges: bytes`; recorded in the journal as given. */
  acceptRanges?: boolean;
  ddUrl?: string;
}

/** What {@link PartialStore.open} found and repaired. */
export interface Recovery {
  /** Bytes cut from the data file because the journal had not confirmed them durable (written in another boot). */
  droppedBytes: number;
  /** Bytes beyond the journal's offset kept because this boot appended them (a process crash, not an OS one). */
  keptBytes: number;
  /** The journal claimed more bytes than the file holds (file damaged or deleted); its offset was lowered. */
  journalClamped: boolean;
  /** The journal was unreadable or of an unknown shape and was removed (the data with it). */
  journalInvalid: boolean;
  /** A commit interrupted after its rename was completed: the object is at this path. */
  committedTo?: string;
}

/** Options of {@link PartialStore.open}. */
export interface OpenOptions {
  /**
   * The running boot's id, or `null` to trust nothing that was not fsync'd (as after a reboot); tests pass
   * another id to play an OS crash. @default currentBootId()
   */
  bootId?: string | null;
  /**
   * The state directory exists and its stale temporary files were swept ({@link sweepStaleTemps}) since the last
   * crash could have left any: `open` then neither creates it nor lists it. A caller opening many stores in one
   * directory (the download manager) sweeps once at start instead of reading the whole directory per store.
   * @default false
   */
  dirReady?: boolean;
}

/** Options of {@link PartialStore.writeBody}. */
export interface WriteBodyOptions {
  /**
   * Written bytes allowed outside the journal (checkpoints start at half of it): what a power cut may cost.
   * @default DEFAULT_FLUSH_EVERY_BYTES
   */
  flushEveryBytes?: number;
  /**
   * Longest time received bytes stay outside the journal: once this long has passed since the last checkpoint,
   * what arrived is written and checkpointed, however little it is (a slow body is made durable by time, not
   * only by size). The download manager passes `DEFAULT_FLUSH_EVERY_MS`. @default undefined: by size only
   */
  flushEveryMs?: number;
  /**
   * Called with each chunk taken from the body once its bytes are written (or will never be): a body whose
   * chunks are leased from a read pool (`HttpResponse.release`) gets them back here.
   */
  release?: (chunk: Uint8Array) => void;
  /** Called after each checkpoint with the new durable offset (awaited). */
  onDurable?: (durableOffset: number) => void | Promise<void>;
  /**
   * Called once the body has ended and every byte of it is written (in the page cache, not yet durable), with the
   * written offset, just before the final checkpoint makes them durable; not called when the body or a write fails.
   */
  onWritten?: (writtenOffset: number) => void;
  /** Called after each (coalesced) write completes (not yet durable) with the written offset, e.g. for a progress bar. */
  onProgress?: (writtenOffset: number) => void;
  /** Offset the data must not grow past: bytes beyond it are not written, reading stops and `overflow` is set. */
  maxOffset?: number;
}

/** The outcome of {@link PartialStore.writeBody}. */
export interface WriteBodyResult {
  /** The durable offset after the final checkpoint (equals the data file size). */
  durableOffset: number;
  /** Bytes written by this call. */
  bytesWritten: number;
  /** The body went past `maxOffset` (reading stopped there). */
  overflow: boolean;
  /** The most received bytes the journal did not yet cover at any moment: what a crash then would have cost. */
  maxUnjournaledBytes: number;
}

/** Whether a parsed value is a version-1 journal for `key` (a guard against damaged or foreign files). */
export function isJournal(value: unknown, key: string): value is Journal {
  const j = value as Partial<Journal> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    j.version === 1 &&
    j.key === key &&
    typeof j.objectUri === 'string' &&
    Number.isSafeInteger(j.durableOffset) &&
    (j.durableOffset ?? -1) >= 0 &&
    (j.etag === undefined || typeof j.etag === 'string') &&
    (j.lastModified === undefined || typeof j.lastModified === 'string') &&
    (j.ddUrl === undefined || typeof j.ddUrl === 'string') &&
    (j.length === undefined || (Number.isSafeInteger(j.length) && j.length >= 0)) &&
    (j.acceptRanges === undefined || typeof j.acceptRanges === 'boolean') &&
    (j.committedTo === undefined || typeof j.committedTo === 'string') &&
    (j.appendBoot === undefined || typeof j.appendBoot === 'string')
  );
}
