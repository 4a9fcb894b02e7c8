/**
 * The DLOTA agent's effects, performed: one method per effect the machine requests ({@link DlotaPort}, generated from the machine),
 * each using the shared adapters (HTTP, storage, notify) and answering with the result events the machine
 * expects. No protocol decision is taken here — which status is acceptable, whether to resume, whether a
 * 206 fits the kept range: the machine's guards decide from the facts (status, headers, durable offsets)
 * this module reports.
 *
 * Order: effects run one after another on a chain (a discard waits for the transfer it follows to stop);
 * `abortTransfer` and a new `httpGet` close the current connection at once. Bytes are written at
 * `httpGet.offset` only after the machine, having seen the headers, still wants the body.
 *
 * @module
 */

import path from 'node:path';
import type { DlotaPort } from '../../generated/dlota.port.js';
import { descriptorReceived } from '../../machines/dlota/download.logic.js';
import type {
  DownloadContext,
  DownloadEffects,
  DownloadEvent,
  DownloadFile,
  DownloadTimer,
  Transfer,
} from '../../machines/dlota/download.types.js';
import { parseStatusLine } from '../../machines/dlota/status.js';
import { getText, type HttpResponse, isHttpError, openGet, post } from '../http/client.js';
import { isStorageFull } from '../storage/file-ops.js';
import { freeBytes, keyFor, uniquePath } from '../storage/files.js';
import {
  type InstallEntry,
  readInstallRecord,
  removeInstallRecord,
  writeInstallRecord,
} from '../storage/install-record.js';
import { keptDataPath, PartialStore } from '../storage/partial.js';
import { descriptorHttpError, descriptorTransportError } from './descriptor-error.js';
import { keptRanges } from './kept.js';
import type { Observation } from './observation.js';
import type { AgentOptions } from './options.js';
import { REPORT_CONTENT_TYPE, reportAccepted } from './reports.js';

/** What the interpreter needs from the running actor. */
export interface InterpreterHost {
  /** Sends an event to the machine (never called synchronously from inside an effect). */
  send(event: DownloadEvent): void;
  /** The machine's current state as a dotted path (`retrieving.downloading`). */
  state(): string;
  /** The machine's current transfer (offset, length, ETag as the machine keeps them). */
  transfer(): Transfer;
  emit(observation: Observation): void;
  /** Asks the user; the host answers with USER.CONFIRMED / USER.DECLINED or stops the run. */
  askConfirmation(request: DownloadEffects['askConfirmation']): void;
  /** An unexpected failure (not a protocol fact): the run ends with an internal error. */
  fatal(error: unknown): void;
}

interface ActiveTransfer {
  readonly generation: number;
  readonly controller: AbortController;
  /** The ObjectURI and descriptor URL of the request: they name the kept range it writes to. */
  readonly url: string;
  readonly ddUrl: string;
  response?: HttpResponse;
  aborted: boolean;
}

/** The generated DlotaPort of the running agent: performs each effect and sends the result events back. */
export class AgentInterpreter implements DlotaPort {
  /** The machine context of the transition that requested the effect being called (set by the wiring). */
  context!: DownloadContext;
  /** Paths the committed objects were moved to, in order. */
  readonly installed: string[] = [];
  #chain: Promise<void> = Promise.resolve();
  #generation = 0;
  #transfer: ActiveTransfer | undefined;
  readonly #timers = new Map<DownloadTimer, NodeJS.Timeout>();
  readonly #stores = new Map<string, Promise<PartialStore>>();
  /** Journals already offered to the machine this run (one RESTART.RECOVERED per kept range). */
  readonly #offered = new Set<string>();
  #lastProgress = 0;
  #closed = false;
  #fetchedDescriptor = false;

  constructor(
    readonly options: AgentOptions,
    readonly host: InterpreterHost,
  ) {}

  /** Resolves when every queued effect has finished. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.#chain;
      await seen;
    } while (seen !== this.#chain);
  }

  /** Stops everything: closes the connection, clears the timers; later results are dropped. */
  close(): void {
    this.#closed = true;
    this.#abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #enqueue(task: () => Promise<void>): void {
    this.#chain = this.#chain.then(task).catch((error: unknown) => this.host.fatal(error));
  }

  #send(event: DownloadEvent): void {
    if (!this.#closed) this.host.send(event);
  }

  #http() {
    const h = this.options.http ?? {};
    return {
      ...(h.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: h.connectTimeoutMs }),
      ...(h.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: h.headersTimeoutMs }),
      ...(h.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: h.bodyTimeoutMs }),
      ...(h.minBytesPerSecond === undefined ? {} : { minBytesPerSecond: h.minBytesPerSecond }),
      ...(h.minRateWindowMs === undefined ? {} : { minRateWindowMs: h.minRateWindowMs }),
      ...(h.maxRedirects === undefined ? {} : { maxRedirects: h.maxRedirects }),
      onRequest: (r: { method: string; url: string; headers: Readonly<Record<string, string>> }) =>
        this.host.emit({ event: 'request', method: r.method, url: r.url, headers: { ...r.headers } }),
    };
  }

  /** The kept range of an object of the current descriptor: keyed by (DD URL, ObjectURI). */
  #store(objectUri: string, ddUrl = this.context.ddUrl): Promise<PartialStore> {
    const key = keyFor(ddUrl, objectUri);
    let store = this.#stores.get(key);
    if (!store) {
      store = PartialStore.open(this.options.stateDir, key);
      this.#stores.set(key, store);
    }
    return store;
  }

  fetchDescriptor(params: DownloadEffects['fetchDescriptor']): void {
    const first = !this.#fetchedDescriptor;
    this.#fetchedDescriptor = true;
    this.#enqueue(async () => {
      if (first && (await this.#recoverInstall())) return;
      try {
        const res = await getText(params.url, this.#http());
        this.host.emit({ event: 'response', url: res.url, status: res.status, headers: res.headers });
        if (descriptorReceived(res.status)) {
          const contentType = res.headers['content-type'];
          this.#send({
            type: 'DESCRIPTOR.LOADED',
            // The bytes as received: the machine decodes them (BOM, charset, encoding declaration).
            body: res.bytes,
            url: res.url,
            ...(contentType === undefined ? {} : { contentType }),
          });
        } else {
          const failure = descriptorHttpError(res.status, res.text);
          this.host.emit({ event: 'error', url: res.url, error: failure });
          this.#send({ type: 'DESCRIPTOR.FAILED', reason: failure.message, status: res.status });
        }
      } catch (error) {
        const failure = descriptorTransportError(params.url, error);
        this.host.emit({ event: 'error', url: params.url, error: failure });
        this.#send({ type: 'DESCRIPTOR.FAILED', reason: failure.message });
      }
    });
  }

  queryFreeSpace(_params: DownloadEffects['queryFreeSpace']): void {
    const ddUrl = this.context.ddUrl;
    this.#enqueue(async () => {
      // The kept range lives in the state directory and is moved (renamed) to --out at commit; what this
      // descriptor already keeps there is reported too (the machine decides what must still fit, DL-STEP-3).
      const kept = await keptRanges(this.options.stateDir, ddUrl);
      const keptBytes = kept.reduce((sum, journal) => sum + journal.durableOffset, 0);
      this.#send({
        type: 'FREE_SPACE.MEASURED',
        bytes: await freeBytes(this.options.stateDir),
        ...(keptBytes > 0 ? { keptBytes } : {}),
      });
    });
  }

  askConfirmation(params: DownloadEffects['askConfirmation']): void {
    this.#enqueue(async () => this.host.askConfirmation(params));
  }

  httpGet(params: DownloadEffects['httpGet']): void {
    // One transfer at a time: a new request supersedes (and closes) the previous one.
    this.#abort();
    const ddUrl = this.context.ddUrl;
    const transfer: ActiveTransfer = {
      generation: ++this.#generation,
      controller: new AbortController(),
      url: params.url,
      ddUrl,
      aborted: false,
    };
    this.#transfer = transfer;
    this.#enqueue(() => this.#get(params, transfer, ddUrl));
  }

  #current(transfer: ActiveTransfer): boolean {
    return !this.#closed && !transfer.aborted && this.#transfer === transfer;
  }

  async #get(params: DownloadEffects['httpGet'], transfer: ActiveTransfer, ddUrl: string): Promise<void> {
    if (!this.#current(transfer)) return;
    const store = await this.#store(params.url, ddUrl);
    // A journal from an earlier run is offered once, before the object's first request goes out: the
    // machine decides (resume with Range + If-Match, verify, keep paused, or discard and GET from 0).
    if (!this.#offered.has(store.key)) {
      this.#offered.add(store.key);
      if (store.journal !== undefined) this.#offerJournal(store, params.url);
      if (!this.#current(transfer)) return;
    }
    const headers: Record<string, string> = {};
    if (params.range !== undefined) headers.Range = params.range;
    if (params.ifMatch !== undefined) headers['If-Match'] = params.ifMatch;
    if (params.ifUnmodifiedSince !== undefined) headers['If-Unmodified-Since'] = params.ifUnmodifiedSince;
    let res: HttpResponse;
    try {
      // The body's chunks are leased from the connection's fixed read pool and given back once written.
      res = await openGet(params.url, {
        ...this.#http(),
        headers,
        signal: transfer.controller.signal,
        leaseChunks: true,
      });
    } catch (error) {
      if (this.#current(transfer)) this.#send({ type: 'CONNECTION.LOST', cause: (error as Error).message });
      return;
    }
    transfer.response = res;
    if (!this.#current(transfer)) return res.abort();
    const h = res.headers;
    this.host.emit({ event: 'response', url: res.url, status: res.status, headers: h });
    const contentLength = h['content-length'] === undefined ? undefined : Number(h['content-length']);
    this.#send({
      type: 'RESPONSE.HEADERS',
      status: res.status,
      ...(h['accept-ranges'] === undefined ? {} : { acceptRanges: h['accept-ranges'] }),
      ...(h.etag === undefined ? {} : { etag: h.etag }),
      ...(h['last-modified'] === undefined ? {} : { lastModified: h['last-modified'] }),
      ...(h['retry-after'] === undefined ? {} : { retryAfter: h['retry-after'] }),
      ...(h.date === undefined ? {} : { date: h.date }),
      ...(h['content-range'] === undefined ? {} : { contentRange: h['content-range'] }),
      ...(contentLength === undefined || !Number.isSafeInteger(contentLength) ? {} : { contentLength }),
      ...(h['content-type'] === undefined ? {} : { contentType: h['content-type'] }),
      // A 206 with a Content-Encoding is the machine's to reject (stack.md sharp edge 8).
      ...(h['content-encoding'] === undefined ? {} : { contentEncoding: h['content-encoding'] }),
    });
    if (!this.#wantsBody(transfer)) return res.abort();
    await this.#stream(params, transfer, res, store, ddUrl);
  }

  /** Reports what the journal of an earlier run says is durably kept (RESTART.RECOVERED); the machine decides. */
  #offerJournal(store: PartialStore, url: string): void {
    const journal = store.journal;
    if (journal === undefined) return;
    const length = journal.length ?? this.host.transfer().length;
    const facts = {
      offset: journal.durableOffset,
      length,
      ...(journal.etag === undefined ? {} : { etag: journal.etag }),
      ...(journal.lastModified === undefined ? {} : { lastModified: journal.lastModified }),
      ...(journal.acceptRanges === undefined ? {} : { acceptRanges: journal.acceptRanges }),
    };
    this.host.emit({ event: 'recovered', url, ...facts });
    this.#send({ type: 'RESTART.RECOVERED', ...facts });
  }

  /** Whether the machine, after the events so far, still wants this response's body. */
  #wantsBody(transfer: ActiveTransfer): boolean {
    return this.#current(transfer) && this.host.state() === 'retrieving.downloading';
  }

  async #stream(
    params: DownloadEffects['httpGet'],
    transfer: ActiveTransfer,
    res: HttpResponse,
    store: PartialStore,
    ddUrl: string,
  ): Promise<void> {
    const kept = this.host.transfer();
    // At most one progress line per interval, and the last offset is never swallowed: a body that stalls
    // right after a throttled write still shows where it stands (a trailing line, cancelled once the body ends).
    let trailing: NodeJS.Timeout | undefined;
    const stopTrailing = () => {
      clearTimeout(trailing);
      trailing = undefined;
    };
    try {
      await store.begin(
        {
          objectUri: params.url,
          ddUrl,
          length: kept.length,
          acceptRanges: kept.acceptRanges,
          ...(kept.etag === undefined ? {} : { etag: kept.etag }),
          ...(kept.lastModified === undefined ? {} : { lastModified: kept.lastModified }),
        },
        params.offset,
      );
      const interval = this.options.progressIntervalMs ?? 100;
      let shown = -1;
      let latest = -1;
      const show = (offset: number) => {
        stopTrailing();
        this.#lastProgress = Date.now();
        shown = offset;
        this.host.emit({ event: 'progress', received: offset, total: kept.length });
      };
      const result = await store.writeBody(res.body, {
        ...(this.options.flushEveryBytes === undefined
          ? {}
          : { flushEveryBytes: this.options.flushEveryBytes }),
        // One byte past the length is enough to show the body is too long (DL-INST-10 is the machine's call).
        maxOffset: kept.length + 1,
        onDurable: (offset) => {
          if (this.#current(transfer)) this.#send({ type: 'BODY.DURABLE', offset });
        },
        onProgress: (offset) => {
          latest = offset;
          const wait = interval - (Date.now() - this.#lastProgress);
          if (wait <= 0 || offset >= kept.length) return show(offset);
          trailing ??= setTimeout(() => {
            trailing = undefined;
            if (latest > shown && this.#current(transfer)) show(latest);
          }, wait);
        },
        release: (chunk) => res.release(chunk),
      });
      stopTrailing();
      if (!result.overflow)
        this.host.emit({ event: 'progress', received: result.durableOffset, total: kept.length });
      if (this.#current(transfer)) {
        if (result.overflow) res.abort();
        this.#send({ type: 'BODY.END', offset: result.durableOffset });
      }
    } catch (error) {
      stopTrailing();
      if (!this.#current(transfer)) return;
      res.abort();
      if (isHttpError(error)) this.#send({ type: 'CONNECTION.LOST', cause: error.message });
      else if (isStorageFull(error)) this.#send({ type: 'STORAGE.FULL' });
      else throw error;
    }
  }

  /**
   * Stops the current transfer, then — once its last checkpoint is written — reports the bytes durably kept
   * (BODY.DURABLE): after a pause the machine moves its offset to them, so a resume starts at what is on disk.
   */
  abortTransfer(_params: DownloadEffects['abortTransfer'] = {}): void {
    const transfer = this.#abort();
    if (!transfer) return;
    this.#enqueue(async () => {
      const store = await this.#store(transfer.url, transfer.ddUrl);
      if (store.journal !== undefined && this.#transfer === transfer)
        this.#send({ type: 'BODY.DURABLE', offset: store.durableOffset });
    });
  }

  /** Closes the current transfer's request and socket; returns it when it was still open. */
  #abort(): ActiveTransfer | undefined {
    const transfer = this.#transfer;
    if (!transfer || transfer.aborted) return undefined;
    transfer.aborted = true;
    transfer.controller.abort();
    transfer.response?.abort();
    return transfer;
  }

  discardPartial(params: DownloadEffects['discardPartial']): void {
    const { objects, objectIndex, ddUrl } = this.context;
    const uris =
      params.scope === 'all'
        ? objects.map((o) => o.objectURIs[0] ?? '')
        : [objects[params.objectIndex ?? objectIndex]?.objectURIs[0] ?? ''];
    this.#enqueue(async () => {
      for (const uri of uris) await (await this.#store(uri, ddUrl)).discard();
    });
  }

  preInstall(params: DownloadEffects['preInstall']): void {
    const ddUrl = this.context.ddUrl;
    this.#enqueue(async () => {
      // The installer's check: every object is whole in the state directory (renamed to --out at commit).
      for (const file of params.files) {
        const store = await this.#store(file.objectURI, ddUrl);
        if (store.durableOffset !== file.size) {
          this.#send({
            type: 'INSTALL.FAILED',
            reason: 'deviceAborted',
            detail: `${file.objectURI}: ${store.durableOffset} bytes kept, ${file.size} expected`,
          });
          return;
        }
      }
      this.#send({ type: 'INSTALL.PREPARED' });
    });
  }

  /**
   * Installs the objects of an accepted 900. Write order (exactly-once, DL-INST-12 note): the install record
   * naming every target goes first, in one atomic write — the point after which a restart honours the install
   * instead of reporting again — then each kept range is moved into place, then the record is removed.
   */
  commitObject(params: DownloadEffects['commitObject']): void {
    const { ddUrl, dd } = this.context;
    this.#enqueue(async () => {
      const chosen = new Set<string>();
      const entries: InstallEntry<DownloadFile>[] = [];
      for (const file of params.files) {
        const name = fileNameFor(file.objectURI, dd?.name);
        const key = keyFor(ddUrl, file.objectURI);
        // A file in --out already holding these exact bytes is this object: install onto it, not `x (1).bin`.
        const kept = keptDataPath(this.options.stateDir, key);
        const target = path.resolve(await uniquePath(this.options.outDir, name, chosen, kept));
        chosen.add(target);
        entries.push({ key, target, file });
      }
      const runUrl = this.options.ddUrl;
      await writeInstallRecord(this.options.stateDir, { version: 1, ddUrl: runUrl, entries });
      this.host.emit({ event: 'install-step', step: 'recorded' });
      await this.#finishInstall(entries);
      await removeInstallRecord(this.options.stateDir, runUrl);
      this.host.emit({ event: 'install-step', step: 'installed' });
    });
  }

  /** Moves every entry's kept range to its target (an entry already moved by an earlier run is left as is). */
  async #finishInstall(entries: readonly InstallEntry<DownloadFile>[]): Promise<void> {
    for (const entry of entries) {
      const store = await PartialStore.open(this.options.stateDir, entry.key);
      if (store.journal !== undefined) await store.commit(entry.target);
      this.installed.push(entry.target);
      this.host.emit({ event: 'install-step', step: 'moved', file: entry.target });
    }
  }

  /**
   * A run's first step: an install record left by an earlier run of this descriptor (killed after its 900 was
   * accepted) is finished and reported to the machine as INSTALL.RECOVERED; `true` when there was one.
   */
  async #recoverInstall(): Promise<boolean> {
    const record = await readInstallRecord<DownloadFile>(this.options.stateDir, this.options.ddUrl);
    if (record === undefined) return false;
    await this.#finishInstall(record.entries);
    await removeInstallRecord(this.options.stateDir, record.ddUrl);
    this.host.emit({ event: 'recovered-install', files: record.entries.map((e) => e.target) });
    this.#send({ type: 'INSTALL.RECOVERED', files: record.entries.map((e) => e.file) });
    return true;
  }

  postReport(params: DownloadEffects['postReport']): void {
    this.#enqueue(async () => {
      try {
        const res = await post(params.url, params.body, {
          contentType: REPORT_CONTENT_TYPE,
          onRequest: this.#http().onRequest,
        });
        if (reportAccepted(res.status)) {
          this.#status(params.body, true);
          this.#send({ type: 'REPORT.ACCEPTED' });
        } else
          this.#reportFailed(params.body, {
            type: 'REPORT.FAILED',
            status: res.status,
            reason: `HTTP ${res.status}`,
          });
      } catch (error) {
        this.#reportFailed(params.body, { type: 'REPORT.FAILED', reason: (error as Error).message });
      }
    });
  }

  #reportFailed(body: string, event: Extract<DownloadEvent, { type: 'REPORT.FAILED' }>): void {
    this.#send(event);
    // The machine retries after a back-off, or gives up and queues the report (DL-INST-12).
    if (this.host.state() !== 'notifying.waitingToRetry') this.#status(body, false);
  }

  #status(body: string, reported: boolean): void {
    const parsed = parseStatusLine(body, this.options.numbering ?? 'seed');
    if (parsed) this.host.emit({ event: 'status', code: parsed.code, text: parsed.text, reported });
  }

  startTimer(params: DownloadEffects['startTimer']): void {
    this.cancelTimer({ name: params.name });
    this.#timers.set(
      params.name,
      setTimeout(() => {
        this.#timers.delete(params.name);
        this.#send({ type: 'TIMER.FIRED', name: params.name });
      }, params.ms),
    );
  }

  /** Whether a timer the machine requested is still running (the run waits for it rather than ending). */
  timerPending(name: DownloadTimer): boolean {
    return this.#timers.has(name);
  }

  cancelTimer(params: DownloadEffects['cancelTimer']): void {
    clearTimeout(this.#timers.get(params.name));
    this.#timers.delete(params.name);
  }
}

/** The file name of an installed object: the last segment of its ObjectURI, else the DD name (sanitised by `uniquePath`). */
export function fileNameFor(objectUri: string, ddName?: string): string {
  let last = '';
  try {
    last = decodeURIComponent(new URL(objectUri).pathname.split('/').pop() ?? '');
  } catch {
    last = '';
  }
  return last || ddName || 'download';
}
