/**
 * The effect port of the OIPF download-manager machine, performed for real: HTTP transfers into
 * crash-safe partial files, retry timers, content verification, descriptor fetches and deletion.
 * It decides nothing about the protocol: every response (any status) goes back as TRANSFER.HEADERS,
 * every failure as TRANSFER.FAILED with the transport's kind, and the machine chooses state and reason.
 *
 * - One transfer per download, tagged with a token: `stopTransfer` aborts the request (the socket is
 *   closed — DAE-PAUSE-2) and invalidates the token, so nothing of a stopped transfer reaches the machine.
 * - The resume offset is what is durably on disk (stack.md sharp edge 8), and the registry is the partial
 *   file's only journal (`KeptFile`): `TRANSFER.PROGRESS` is sent only after the data was fdatasync'd, and the
 *   registry is written before the next bytes are; the completion's count goes with the completion's write, so a
 *   download can rest in verifying (paused, closed) with all its bytes, which a restart finds in the registry.
 * - A body of known length is complete once its last byte is written: `TRANSFER.COMPLETE` goes then, and the
 *   transfer's slot to the next download, while the final fdatasync runs. Nothing durable depends on those bytes
 *   before that fdatasync is done: the verification looks up the name to move them to meanwhile, but moves them only
 *   once it is done, and every registry sync first waits for the data syncs pending ({@link TransferEngine.dataSynced}),
 *   so no power cut leaves a registry counting bytes the disk lacks (a kill -9 keeps the page cache anyway). A
 *   failed final fdatasync fails the verification (TRANSFER.VERIFY_ERROR). A
 *   transfer starts at `min(the machine's count, the file's size)` — a file shortened by a power cut is resumed
 *   from what it holds, the machine told first — and cuts whatever lies beyond its start.
 * - The data file is opened (created, for a new download) while the request is out, not after the response's
 *   headers: a create changes metadata that other downloads' fsyncs may be writing out at that moment (on ext4 their
 *   directory and inode-table blocks, or the journal) and waits for them — 1.5 ms p50 measured with four transfers of
 *   1 MiB — time the slot otherwise spent idle. The request is written first: the open's thread-pool round trip
 *   (a woken pool thread can take the event loop's core for it) does not hold the request back.
 * - Storage operations of one download (transfer, delete, verify) run one after another; a transfer's step ends at
 *   its last byte, its final fdatasync going on beside the next ones (above).
 * - A verification is tagged with the machine's generation: `cancelVerification` aborts its checksum read
 *   and it answers nothing; its answers carry the generation so the machine can tell a stale one. One the storage
 *   failed answers TRANSFER.VERIFY_ERROR (STORAGE.EXHAUSTED when the device is full) and reports the error.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { OipfManagerPort } from '../../generated/oipf-manager.port.js';
import { type CaddItem, parseCadd } from '../../machines/oipf/cadd.js';
import type { OipfManagerEffects, OipfManagerEvent } from '../../machines/oipf/index.js';
import { ConnectionPool, getText, type HttpResponse, isHttpError, openGet } from '../http/index.js';
import { isStorageFull } from '../storage/file-ops.js';
import {
  KeptFile,
  type KeptWriter,
  sanitizeFileName,
  sweepStaleTemps,
  uniquePath,
} from '../storage/index.js';
import type { WriteBodyResult } from '../storage/journal.js';
import { type DownloadMeta, metaOfItem } from './meta.js';

/** HTTP options of the transfers (timeouts; a body timeout is how a stall is detected). */
export interface TransferFetchOptions {
  /** No body byte for this long → TRANSFER.FAILED transient (→ stalled, 32). @default 30_000 */
  readonly bodyTimeoutMs?: number;
  /** @default 30_000 */
  readonly headersTimeoutMs?: number;
  /** @default 10_000 */
  readonly connectTimeoutMs?: number;
}

/** What the engine needs from the manager host. */
export interface TransferDeps {
  /** The directory of partial data files (their journal is the registry). */
  readonly partialDir: string;
  /** Where completed content is moved. */
  readonly filesDir: string;
  readonly fetchOptions: TransferFetchOptions;
  /** Bytes between durable checkpoints. */
  readonly flushEveryBytes: number;
  /** Longest time between durable checkpoints while bytes arrive. */
  readonly flushEveryMs: number;
  /** Multiplies every machine-requested timer (tests shorten the stalled back-off). */
  readonly timerScale: number;
  /** False: only stop and delete are performed; transfers, timers and fetches wait for a running manager. */
  readonly enabled: boolean;
  /** Sends a result event to the manager machine. */
  send(event: OipfManagerEvent): void;
  /** Resolves once the registry holds every state sent so far. */
  checkpointed(): Promise<void>;
  metaOf(id: string): DownloadMeta | undefined;
  /** The content URL the machine holds for a download (the completed file is named after it). */
  urlOf(id: string): string | undefined;
  /** Changes a download's metadata; `lazy`: informative only, it may wait for the registry's next sync. */
  patchMeta(id: string, patch: Partial<DownloadMeta>, lazy?: boolean): void;
  /** Bytes written (not yet durable) of a running transfer, for progress displays. */
  onBytes(id: string, written: number): void;
  /** Reports an unexpected adapter error (never a protocol outcome). */
  onError(error: unknown): void;
  /**
   * Tests only: awaited before a verification reads the content (with that verification's abort signal), so a
   * test can hold a download in verifying (state 2) and pause it there.
   */
  readonly verifyGate?: ((downloadId: string, signal: AbortSignal) => Promise<void>) | undefined;
}

/** The longest delay setTimeout honours (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface Running {
  readonly token: number;
  readonly controller: AbortController;
}

/** Total size from a 200 (Content-Length) or a 206 (Content-Range `bytes a-b/total`). */
function totalSizeOf(res: HttpResponse): number | undefined {
  if (res.status === 206) {
    const m = /\/(\d+)\s*$/.exec(res.headers['content-range'] ?? '');
    return m ? Number(m[1]) : undefined;
  }
  if (res.status === 200) {
    const n = Number(res.headers['content-length']);
    return res.headers['content-length'] !== undefined && Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Why a 200/206 cannot be written at `from` without corrupting the kept bytes, if it cannot. */
function unusable(res: HttpResponse, from: number): string | undefined {
  if (res.status !== 200 && res.status !== 206) return undefined;
  const encoding = res.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    return `Content-Encoding ${encoding} on a ranged transfer`;
  if (res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec((res.headers['content-range'] ?? '').trim());
    if (!m || Number(m[1]) !== from)
      return `Content-Range ${res.headers['content-range'] ?? '(none)'} does not start at ${from}`;
  }
  return undefined;
}

async function hashFile(file: string, algorithm: string, signal: AbortSignal): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves once `signal` is aborted (at once when it already is). */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Performs the manager machine's effects (the `OipfManagerPort`). */
export class TransferEngine implements OipfManagerPort {
  readonly #deps: TransferDeps;
  readonly #running = new Map<string, Running>();
  readonly #tokens = new Map<string, number>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #verifying = new Map<
    string,
    { readonly verification: number; readonly controller: AbortController }
  >();
  #nextToken = 1;
  #closing = false;
  /** Connections kept open between transfers from one origin (HTTP keep-alive); closed with the engine. */
  readonly #connections = new ConnectionPool();
  /** The partial directory swept of what earlier versions kept beside the data (once per engine). */
  #swept = false;
  /** Final fdatasyncs of transfers already reported complete, still running. */
  readonly #pendingSyncs = new Set<Promise<void>>();
  /** A final fdatasync that failed after its transfer was reported complete: the verification reports it. */
  readonly #syncFailures = new Map<string, unknown>();
  /** Per download, its final fdatasync still running (the verification's move waits for it). */
  readonly #finalSyncs = new Map<string, Promise<void>>();
  /** Downloads whose partial file a transfer of this engine wrote to its end (and nothing removed or moved since). */
  readonly #keptComplete = new Set<string>();

  constructor(deps: TransferDeps) {
    this.#deps = deps;
  }

  /** The store key of a download (ids are digits; the key must be a safe file stem). */
  static keyOf(id: string): string {
    return `dl-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  }

  /**
   * A download's kept bytes: `partial/dl-<id>.part`, its durable length recorded by the registry (TRANSFER.PROGRESS
   * is sent only after the bytes were fdatasync'd). The first use sweeps the directory once of the journals and
   * temporary files an earlier version kept beside each data file (the registry never ran ahead of them either).
   */
  #kept(id: string): KeptFile {
    if (!this.#swept) {
      this.#swept = true;
      void dropJournals(this.#deps.partialDir).catch((error) => this.#deps.onError(error));
    }
    return new KeptFile(partialPathOf(this.#deps.partialDir, id));
  }

  /**
   * Cleans the partial directory before any transfer starts (the manager calls it once, at start, with transfers
   * on): a data file no download of the registry names — `keep` holds every id it has, unreadable entries included —
   * is deleted, and so are the journals earlier versions kept. Such a file is a removed download's whose unlink a
   * power cut undid (an unlink's directory entry is not fsync'd), or one whose registration a power cut rolled back:
   * no registry row can resume it.
   */
  sweep(keep: ReadonlySet<string>): void {
    this.#swept = true;
    void dropJournals(this.#deps.partialDir).catch((error) => this.#deps.onError(error));
    const kept = new Set([...keep].map((id) => path.basename(partialPathOf(this.#deps.partialDir, id))));
    let names: string[] = [];
    try {
      names = readdirSync(this.#deps.partialDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#deps.onError(error);
    }
    for (const name of names)
      if (PART_FILE.test(name) && !kept.has(name))
        rmSync(path.join(this.#deps.partialDir, name), { force: true });
  }

  /**
   * Resolves once every final fdatasync running now (of transfers already reported complete) has ended, whatever
   * its outcome: a registry sync waits for it, so the registry never makes a count durable before its bytes.
   */
  dataSynced(): Promise<void> {
    if (this.#pendingSyncs.size === 0) return Promise.resolve();
    return Promise.all(this.#pendingSyncs).then(() => {});
  }

  /** Runs `task` after every earlier storage operation of this download. */
  #chain(id: string, task: () => Promise<void>): void {
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous.then(task).catch((error) => this.#deps.onError(error));
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  #current(id: string, token: number): boolean {
    return this.#tokens.get(id) === token;
  }

  #sendIf(id: string, token: number, event: OipfManagerEvent): void {
    if (this.#current(id, token) && !this.#closing) this.#deps.send(event);
  }

  /** @see OipfManagerEffects.startTransfer */
  startTransfer(params: OipfManagerEffects['startTransfer']): void {
    if (!this.#deps.enabled || this.#closing) return;
    const token = this.#nextToken++;
    const controller = new AbortController();
    this.#tokens.set(params.downloadId, token);
    this.#running.set(params.downloadId, { token, controller });
    this.#syncFailures.delete(params.downloadId);
    this.#keptComplete.delete(params.downloadId);
    if (this.#deps.metaOf(params.downloadId)?.firstTransferAt === undefined)
      this.#deps.patchMeta(params.downloadId, { firstTransferAt: new Date().toISOString() }, true);
    this.#chain(params.downloadId, () => this.#transfer(params, token, controller));
  }

  async #transfer(
    p: OipfManagerEffects['startTransfer'],
    token: number,
    controller: AbortController,
  ): Promise<void> {
    const id = p.downloadId;
    if (!this.#current(id, token) || controller.signal.aborted) return;
    let opening: Promise<KeptWriter> | undefined;
    /** The write into the opened file, which closes it when it ends (its final fdatasync done). */
    let writing: Promise<WriteBodyResult> | undefined;
    try {
      const kept = this.#kept(id);
      // Never resume beyond what is on disk (the registry's count is at most what was fdatasync'd).
      const from = p.fromByte === 0 ? 0 : Math.min(p.fromByte, kept.size());
      const headers: Record<string, string> = {};
      if (from > 0) headers.range = `bytes=${from}-`;
      if (p.ifMatch !== undefined) headers['if-match'] = p.ifMatch;
      const o = this.#deps.fetchOptions;
      const responding = openGet(p.url, {
        headers,
        signal: controller.signal,
        // Body chunks are leased from the connection's read pool and given back once written.
        leaseChunks: true,
        connections: this.#connections,
        ...(o.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: o.bodyTimeoutMs } : {}),
        ...(o.headersTimeoutMs !== undefined ? { headersTimeoutMs: o.headersTimeoutMs } : {}),
        ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      });
      // The data file is opened (created, for a new download) while the request is out — after it is written, so
      // the open's thread-pool round trip does not hold the request back: a create can wait a millisecond or more
      // for metadata other downloads' fsyncs are writing (see the module comment). A response without content
      // leaves the file created (empty); an unused writer is closed below. From byte 0 nothing is kept (the
      // registry counts no byte), so the open empties the file.
      opening = kept.open({ empty: from === 0 });
      opening.catch(() => {});
      const res = await responding;
      if (!this.#current(id, token)) return res.abort();
      const problem = unusable(res, from);
      if (problem !== undefined) {
        res.abort();
        return this.#sendIf(id, token, {
          type: 'TRANSFER.FAILED',
          downloadId: id,
          kind: 'permanent',
          cause: problem,
        });
      }
      const etag = res.headers.etag;
      const totalSize = totalSizeOf(res);
      this.#sendIf(id, token, {
        type: 'TRANSFER.HEADERS',
        downloadId: id,
        status: res.status,
        ...(etag !== undefined ? { etag } : {}),
        ...(totalSize !== undefined ? { totalSize } : {}),
      });
      // The machine stopped it (stall, failure, restart) or the status carries no content.
      if (!this.#current(id, token) || (res.status !== 200 && res.status !== 206)) return res.abort();
      const start = res.status === 200 ? 0 : from;
      if (start < p.fromByte)
        this.#sendIf(id, token, { type: 'TRANSFER.PROGRESS', downloadId: id, bytesDurable: start });
      let writer: KeptWriter;
      try {
        writer = await opening;
      } catch (error) {
        res.abort();
        throw error;
      }
      // Resolves once every byte of a body of known length is written and TRANSFER.COMPLETE went (its final
      // fdatasync still to come).
      let lastByteWritten: () => void = () => {};
      const complete = new Promise<undefined>((resolve) => {
        lastByteWritten = () => resolve(undefined);
      });
      writing = writer.write(res.body, start, {
        flushEveryBytes: this.#deps.flushEveryBytes,
        flushEveryMs: this.#deps.flushEveryMs,
        onProgress: (written) => this.#deps.onBytes(id, written),
        release: (chunk) => res.release(chunk),
        onWritten: (written) => {
          if (totalSize === undefined || written !== totalSize || !this.#current(id, token) || this.#closing)
            return;
          // Every byte is written: complete now, the final fdatasync still to come (see the module comment).
          this.#deps.send({ type: 'TRANSFER.COMPLETE', downloadId: id, bytesDurable: written });
          lastByteWritten();
        },
        onDurable: async (durable) => {
          // Durable progress is reported even while closing, so a restart continues from it.
          if (!this.#current(id, token)) return;
          // The last checkpoint of a body of known length is what TRANSFER.COMPLETE reports next (with the same
          // count, in the same registry write): one machine step, not two. (Its length was checked against the
          // reservation and free space when the headers came.)
          if (totalSize !== undefined && durable >= totalSize) return;
          this.#deps.send({ type: 'TRANSFER.PROGRESS', downloadId: id, bytesDurable: durable });
          // Before more bytes are written, the registry must name these (a crash then re-fetches at most one
          // checkpoint's worth).
          await this.#deps.checkpointed();
        },
      });
      const result = await Promise.race([writing, complete]);
      this.#keptComplete.add(id);
      if (result === undefined) return this.#finishDetached(id, writing);
      this.#sendIf(id, token, {
        type: 'TRANSFER.COMPLETE',
        downloadId: id,
        bytesDurable: result.durableOffset,
      });
    } catch (error) {
      if (!this.#current(id, token) || this.#closing) return;
      if (isStorageFull(error)) return this.#sendIf(id, token, { type: 'STORAGE.EXHAUSTED', downloadId: id });
      const transient = isHttpError(error) && error.kind !== 'scheme' && error.kind !== 'redirects';
      this.#sendIf(id, token, {
        type: 'TRANSFER.FAILED',
        downloadId: id,
        kind: transient ? 'transient' : 'permanent',
        cause: error instanceof Error ? error.message : String(error),
      });
    } finally {
      if (this.#running.get(id)?.token === token) this.#running.delete(id);
      // Closes a writer the transfer did not use (one written closes itself, after its final fdatasync). The step
      // ends only once that open has: an open still running would create the file after this download's next
      // steps — a delete (remove) ran, and the removed download's file came back.
      if (writing === undefined)
        await opening?.then(
          (writer) => writer.close(),
          () => {},
        );
    }
  }

  /**
   * The rest of a transfer reported complete when its last byte was written: its final fdatasync (and the file's
   * close). This download's next storage operations need not wait for it — only the verification's move does
   * (`#verify`) — and every registry sync waits for it ({@link dataSynced}). A failure is the verification's to report.
   */
  #finishDetached(id: string, writing: Promise<unknown>): void {
    const synced: Promise<void> = writing.then(
      () => {},
      (error) => void this.#syncFailures.set(id, error),
    );
    this.#pendingSyncs.add(synced);
    this.#finalSyncs.set(id, synced);
    void synced.then(() => {
      this.#pendingSyncs.delete(synced);
      if (this.#finalSyncs.get(id) === synced) this.#finalSyncs.delete(id);
    });
  }

  /** @see OipfManagerEffects.stopTransfer */
  stopTransfer(params: OipfManagerEffects['stopTransfer']): void {
    const running = this.#running.get(params.downloadId);
    this.#tokens.delete(params.downloadId);
    this.#running.delete(params.downloadId);
    // DAE-PAUSE-2: closing the request destroys its connection; no more bytes arrive.
    running?.controller.abort();
  }

  /** @see OipfManagerEffects.deleteData */
  deleteData(params: OipfManagerEffects['deleteData']): void {
    const id = params.downloadId;
    this.#syncFailures.delete(id);
    this.#keptComplete.delete(id);
    this.#chain(id, async () => {
      this.#kept(id).discard();
      const file = this.#deps.metaOf(id)?.filePath;
      // Only content this manager put under its files directory is ever deleted (the registry refuses others).
      const inside = file !== undefined && !path.relative(this.#deps.filesDir, file).startsWith('..');
      if (file !== undefined && !inside) {
        this.#deps.onError(new Error(`download ${id}: not deleting ${file}, outside ${this.#deps.filesDir}`));
      } else if (file !== undefined) {
        await fs.rm(file, { force: true });
        this.#deps.patchMeta(id, { filePath: undefined });
      }
    });
  }

  /** @see OipfManagerEffects.startTimer */
  startTimer(params: OipfManagerEffects['startTimer']): void {
    if (!this.#deps.enabled || this.#closing) return;
    const key = `${params.downloadId}:${params.name}`;
    clearTimeout(this.#timers.get(key));
    this.#arm(key, Math.max(0, params.ms * this.#deps.timerScale), () => {
      if (!this.#closing)
        this.#deps.send({ type: 'TIMER.FIRED', downloadId: params.downloadId, name: params.name });
    });
  }

  /**
   * A timer of any length: setTimeout takes at most 2^31 − 1 ms (24.8 days) and fires at once beyond it, so a
   * longer wait (a `downloadStart` weeks ahead) is a chain of maximal timers.
   */
  #arm(key: string, ms: number, fire: () => void): void {
    const step = Math.min(ms, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (ms > step) return this.#arm(key, ms - step, fire);
      this.#timers.delete(key);
      fire();
    }, step);
    this.#timers.set(key, timer);
  }

  /** @see OipfManagerEffects.cancelTimer */
  cancelTimer(params: OipfManagerEffects['cancelTimer']): void {
    const key = `${params.downloadId}:${params.name}`;
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }

  /**
   * @see OipfManagerEffects.verifyContent
   * Runs after every earlier storage operation of the download; answers with the request's `verification`
   * generation. A cancelled verification stops reading, commits nothing more and answers nothing.
   */
  verifyContent(params: OipfManagerEffects['verifyContent']): void {
    if (!this.#deps.enabled || this.#closing) return;
    const id = params.downloadId;
    const controller = new AbortController();
    this.#verifying.get(id)?.controller.abort();
    const entry = { verification: params.verification, controller };
    this.#verifying.set(id, entry);
    this.#chain(id, async () => {
      try {
        await this.#verify(params, controller.signal);
      } catch (error) {
        if (controller.signal.aborted || this.#closing) return;
        // The storage failed: the machine is told (it would otherwise wait in verifying for ever), the host too.
        this.#deps.onError(error);
        if (isStorageFull(error)) return this.#deps.send({ type: 'STORAGE.EXHAUSTED', downloadId: id });
        this.#deps.send({
          type: 'TRANSFER.VERIFY_ERROR',
          downloadId: id,
          verification: params.verification,
          cause: error instanceof Error ? error.message : String(error),
        });
      } finally {
        if (this.#verifying.get(id) === entry) this.#verifying.delete(id);
      }
    });
  }

  async #verify(p: OipfManagerEffects['verifyContent'], signal: AbortSignal): Promise<void> {
    const id = p.downloadId;
    const answer = (type: 'TRANSFER.VERIFIED' | 'TRANSFER.CHECKSUM_MISMATCH') => {
      if (!signal.aborted && !this.#closing)
        this.#deps.send({ type, downloadId: id, verification: p.verification });
    };
    const gate = this.#deps.verifyGate;
    if (gate !== undefined) await Promise.race([gate(id, signal), untilAborted(signal)]);
    if (signal.aborted) return;
    // This process's transfer wrote the bytes: its final fdatasync may still run (the move waits for it below).
    const finalSync = this.#finalSyncs.get(id);
    const kept = this.#kept(id);
    const meta = this.#deps.metaOf(id);
    // The kept bytes; else the file an earlier verification, cancelled after its move, left in place; else, with
    // neither on record, a crash came between the move and the registry's commit: find the moved file.
    // Known without a lookup when this engine wrote them; else asked on the thread pool (a lookup in the partial
    // directory waits while a create or rename holds it).
    const keptHere =
      this.#keptComplete.has(id) ||
      (await fs.access(kept.dataPath).then(
        () => true,
        () => false,
      ));
    if (signal.aborted) return;
    let committed = keptHere ? undefined : meta?.filePath;
    if (!keptHere && committed === undefined) {
      committed = await this.#movedBefore(id, p.bytes);
      if (signal.aborted) return;
      if (committed === undefined) {
        this.#deps.onError(
          new Error(`download ${id}: its bytes are gone (neither kept nor moved to the files)`),
        );
        return answer('TRANSFER.CHECKSUM_MISMATCH');
      }
    }
    if (meta?.checksum !== undefined) {
      const actual = await hashFile(committed ?? kept.dataPath, meta.checksum.algorithm, signal);
      if (signal.aborted) return;
      if (actual !== meta.checksum.value) return answer('TRANSFER.CHECKSUM_MISMATCH');
    }
    if (signal.aborted) return;
    let target: string | undefined;
    if (committed === undefined) {
      const urlName = decodeURIComponent(
        new URL(this.#deps.urlOf(id) ?? 'http://x/content').pathname.split('/').pop() ?? '',
      );
      const name = sanitizeFileName(`${id}-${meta?.name ?? (urlName || 'content')}`);
      // Looked up while the final fdatasync runs: the name depends on nothing it writes.
      target = await uniquePath(this.#deps.filesDir, name);
    }
    if (finalSync !== undefined) await finalSync;
    if (signal.aborted) return;
    // The final fdatasync of the transfer failed: the bytes are not known to be on disk.
    const failure = this.#syncFailures.get(id);
    if (this.#syncFailures.delete(id)) throw failure;
    if (target !== undefined) {
      // The registry records completion: after a crash between this move and the registry's commit, the next
      // verification finds the moved file by its download-id prefix (#movedBefore).
      this.#keptComplete.delete(id);
      await kept.commit(target);
      // The file's path and state 1 go to the registry in one transaction (the write after this step).
      this.#deps.patchMeta(id, { filePath: target, completedAt: new Date().toISOString() });
    } else if (meta?.filePath !== committed) {
      this.#deps.patchMeta(id, { filePath: committed, completedAt: new Date().toISOString() });
    }
    answer('TRANSFER.VERIFIED');
  }

  /**
   * The file an earlier verification moved into the files directory for this download, if one is there: its name
   * starts with the download id (`<id>-…`, as #verify names it) and it holds exactly the kept bytes. Only read when
   * the registry names no file and nothing is kept (a crash between the move and the completion's commit).
   */
  async #movedBefore(id: string, bytes: number): Promise<string | undefined> {
    // What every name #verify gives this download starts with (`<id>-`, as the sanitizer leaves it).
    const prefix = sanitizeFileName(`${id}-x`).slice(0, -1);
    const names = await fs.readdir(this.#deps.filesDir).catch(() => [] as string[]);
    const found: string[] = [];
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const file = path.join(this.#deps.filesDir, name);
      const size = await fs.stat(file).then(
        (st) => (st.isFile() ? st.size : -1),
        () => -1,
      );
      if (size === bytes) found.push(file);
    }
    // Two candidates cannot be told apart: take none.
    return found.length === 1 ? found[0] : undefined;
  }

  /** @see OipfManagerEffects.cancelVerification */
  cancelVerification(params: OipfManagerEffects['cancelVerification']): void {
    const running = this.#verifying.get(params.downloadId);
    if (running === undefined || running.verification !== params.verification) return;
    this.#verifying.delete(params.downloadId);
    running.controller.abort();
  }

  /** @see OipfManagerEffects.fetchDescriptor */
  fetchDescriptor(params: OipfManagerEffects['fetchDescriptor']): void {
    if (!this.#deps.enabled || this.#closing) return;
    const id = params.downloadId;
    void (async () => {
      let item: CaddItem | undefined;
      let cause = '';
      try {
        const res = await getText(params.url, { maxBytes: 256 * 1024 });
        if (res.status !== 200) cause = `HTTP ${res.status} for the descriptor`;
        else {
          const parsed = parseCadd(res.text, { baseUrl: res.url });
          if (parsed.ok) item = parsed.items[0];
          else cause = parsed.error;
        }
      } catch (error) {
        cause = error instanceof Error ? error.message : String(error);
      }
      if (this.#closing) return;
      if (item === undefined) {
        this.#deps.send({ type: 'DESCRIPTOR.REJECTED', downloadId: id, cause });
        return;
      }
      this.#deps.patchMeta(id, metaOfItem(item));
      this.#deps.send({
        type: 'DESCRIPTOR.PARSED',
        downloadId: id,
        url: item.contentURL,
        ...(item.totalSize !== undefined ? { totalSize: item.totalSize } : {}),
      });
    })();
  }

  /** Whether a transfer of this download is running (a request open or being opened). */
  isTransferring(id: string): boolean {
    return this.#running.has(id);
  }

  /**
   * Stops every transfer and timer; resolves once every storage operation finished (durable progress reported) and
   * every final fdatasync ended.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const running of this.#running.values()) running.controller.abort();
    // An interrupted verification is run again after a restart (the download is restored with every byte kept).
    for (const verifying of this.#verifying.values()) verifying.controller.abort();
    for (let round = 0; round < 100 && this.#chains.size > 0; round += 1) {
      await Promise.all([...this.#chains.values()]);
    }
    // The final fdatasyncs of transfers reported complete (their files are closed once each ends).
    await this.dataSynced();
    this.#connections.close();
  }
}

/** The path of the partial data file of a download (tests and tools). */
export function partialPathOf(partialDir: string, id: string): string {
  return path.join(partialDir, `${TransferEngine.keyOf(id)}.part`);
}

/** A download's data file in the partial directory (`partialPathOf`). */
const PART_FILE = /^dl-.+\.part$/;

/** What an earlier version kept beside each data file: its journal and temporary journals. */
const OLD_JOURNAL = /^dl-.+\.journal\.json$/;

/** Deletes the journals (and their temporary files) earlier versions wrote in the partial directory. */
async function dropJournals(partialDir: string): Promise<void> {
  await sweepStaleTemps(partialDir);
  const names = await fs.readdir(partialDir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => OLD_JOURNAL.test(n)).map((n) => fs.rm(path.join(partialDir, n), { force: true })),
  );
}
