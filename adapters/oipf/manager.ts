/**
 * The running OIPF download manager: `createDownloadManager` loads the registry under `dir`, starts
 * the manager machine with the restored downloads and reservations, performs its effects for real
 * (transfers.ts), persists what every state change and durable-progress checkpoint changed — the
 * entries that differ from the last written index, in one SQLite transaction (registry.ts) — and gives
 * each application its DAE objects (dae-objects.ts). This layer maps calls to events and snapshots to
 * objects; states, reasons, scheduling, scope and storage decisions all come from machines/oipf.
 *
 * Storage accounting: the machine's `capacityBytes` is `min(configured, free space of the file
 * system holding dir + the bytes this manager already keeps there)`, fixed when the manager starts;
 * `discInfo.free` is then also capped by the file system's free space now (refreshed at every
 * checkpoint), so another program filling the disk shows up, and a write that still hits a full
 * device fails the download with reason 0 (STORAGE.EXHAUSTED).
 *
 * Notifications are dispatched in a microtask after the machine step that caused them (like a
 * browser task), to the applications whose createFilteredList(undefined) scope holds the download.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { InspectionEvent } from 'xstate';
import {
  BYTES_PER_MB,
  DAE_STATE,
  type DaeCaller,
  type DaeReason,
  type DaeState,
  DownloadIndex,
  type DownloadView,
  discInfoOf,
  downloadView,
  downloadViews,
  fitsStorage,
  isPausedByTerminal,
  type LastResult,
  type ManageDownloads,
  type ManagedDownload,
  type ManagerOutput,
  type OipfManagerContext,
  type OipfManagerEffects,
  type OipfManagerEvent,
  type Profile,
} from '../../machines/oipf/index.js';
import type { DiscInfo } from '../../machines/oipf/manager.logic.js';
import { DEFAULT_FLUSH_EVERY_BYTES, DEFAULT_FLUSH_EVERY_MS, freeBytes, makeDir } from '../storage/index.js';
import {
  type ApplicationInfo,
  callerOf,
  DaeDownloadManager,
  DaeDownloadTrigger,
  type DaeHost,
} from './dae-objects.js';
import { driveManager, type ManagerDriver } from './manager-driver.js';
import type { DownloadMeta } from './meta.js';
import { Registry, type UnreadableEntry } from './registry.js';
import { TransferEngine, type TransferFetchOptions } from './transfers.js';

/** Options of {@link createDownloadManager}. */
export interface DownloadManagerOptions {
  /** XState inspection observer (`--inspect`): receives the manager machine's snapshots and microsteps. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Where the registry, partial files and completed content live (created if missing). */
  readonly dir: string;
  /** Upper bound of the storage the manager may use, in bytes. @default the file system's free space + what it keeps */
  readonly capacityBytes?: number;
  /** Transfers active at once. @default 2 */
  readonly maxActive?: number;
  /** @default 'oipf' */
  readonly profile?: Profile;
  /** The `manageDownloads` capability (DAE-CAP-1). @default 'all' */
  readonly manageDownloads?: ManageDownloads;
  /** Organisations whose reservations never succeed. @default [] */
  readonly reserveNever?: readonly string[];
  /** HTTP timeouts; `bodyTimeoutMs` is the stall detector. */
  readonly fetchOptions?: TransferFetchOptions;
  /**
   * Durable checkpoints by size: written bytes allowed beyond the registry's count (checkpoints start at half of
   * it); a power cut re-fetches at most this much. @default 32 MiB (DEFAULT_FLUSH_EVERY_BYTES, as the agent)
   */
  readonly flushEveryBytes?: number;
  /**
   * Durable checkpoints by time: while bytes arrive, a transfer is checkpointed (data fdatasync'd, registry
   * updated) at least this often, however slowly they come. @default 1000 (DEFAULT_FLUSH_EVERY_MS)
   */
  readonly flushEveryMs?: number;
  /** Multiplies the machine's timers (the stalled back-off); tests use a small factor. @default 1 */
  readonly timerScale?: number;
  /** False: do not transfer (CLI bookkeeping commands); registrations, pause, remove… still apply. @default true */
  readonly transfers?: boolean;
  /**
   * Unexpected adapter errors (I/O failures outside a transfer; a verification's storage failure, which also fails
   * the download with reason 4). @default each becomes a process warning (`process.emitWarning`, printed on stderr)
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Receives every state change from the start, those of restored downloads included, which happen before
   * `createDownloadManager` resolves and so before `host.onStateChange` could subscribe.
   */
  readonly onStateChange?: (change: HostStateChange) => void;
  /**
   * Tests only: awaited before each verification reads the content (it gets that verification's abort signal),
   * so a test can hold a download in verifying — in progress (2) with every byte kept — deterministically.
   */
  readonly verifyGate?: (downloadId: string, signal: AbortSignal) => Promise<void>;
}

/**
 * The `<download>` element of the client capability description (DAE-CAP-1) for a manager configured with
 * `manageDownloads`: an OITF exposing the download APIs announces a value other than "none".
 * @see DAE-CAP-1
 */
export function capabilityFragment(manageDownloads: ManageDownloads): string {
  return `<download manageDownloads="${manageDownloads}"/>`;
}

/** One state change as the host reports it to embedders (the CLI): every download, no scope applied. */
export interface HostStateChange {
  readonly id: string;
  readonly state: DaeState;
  readonly reason: DaeReason | undefined;
}

/** One application's DAE objects. */
export interface DaeApplication {
  readonly downloadTrigger: DaeDownloadTrigger;
  readonly downloadManager: DaeDownloadManager;
}

/** A disagreement between a decided return value and the machine's `lastResult` (should never happen). */
export interface ResultMismatch {
  readonly event: OipfManagerEvent['type'];
  readonly decided: unknown;
  readonly lastResult: LastResult | undefined;
}

/** The running download manager. */
export interface DownloadManagerHost {
  readonly dir: string;
  readonly profile: Profile;
  /** The `<download manageDownloads="…"/>` capability fragment of this manager's configuration (DAE-CAP-1). */
  readonly capability: string;
  /** The DAE objects for one application (trusted: the runtime decided, DAE-SEC-1). */
  application(app: ApplicationInfo): DaeApplication;
  /** The current manager context (read-only snapshot). */
  context(): OipfManagerContext;
  /** Every live download as the machine sees it. */
  views(): DownloadView[];
  /** Adapter-side facts of a download (file path, CADD metadata). */
  metaOf(id: string): DownloadMeta | undefined;
  /** Bytes written (not yet durable) of a running transfer. */
  liveBytes(id: string): number | undefined;
  /** Subscribes to every state change; returns the unsubscribe function. */
  onStateChange(listener: (change: HostStateChange) => void): () => void;
  /**
   * Calls `listener(id)` when a download is removed: the hook an A/V control object playing that download uses to
   * go to its error state 6 (DAE-REMOVE-3; no player is in scope here). Returns the unsubscribe function.
   */
  onRemoved(listener: (id: string) => void): () => void;
  /** Resolves when no download is queued, in progress or stalled (all are 1, 4 or 8). */
  whenIdle(): Promise<void>;
  /** Resolves once the registry holds every state so far. */
  flush(): Promise<void>;
  /** Decided values the machine disagreed with (an invariant check; empty in a healthy run). */
  readonly mismatches: readonly ResultMismatch[];
  /** Registry entries this manager cannot run (unknown state, damaged): kept untouched, reported here. */
  readonly unreadable: readonly UnreadableEntry[];
  /** Deletes unreadable entries from the registry (their files under the directory stay for the user). */
  dropUnreadable(ids: readonly string[]): number;
  /** Stops transfers and timers, makes everything durable, releases the directory. */
  close(): Promise<void>;
}

/** DAE states whose entry is synced right after its commit whoever caused it: a restart could not redo them. */
const MUST_FLUSH: ReadonlySet<number> = new Set([DAE_STATE.DOWNLOAD_COMPLETED, DAE_STATE.DOWNLOAD_FAILED]);

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesUnder(full);
    else if (entry.isFile()) total += (await fs.stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

function sameValue(decided: unknown, result: LastResult | undefined): boolean {
  return result !== undefined && Object.is(result.value, decided);
}

/** Starts a download manager on `dir`, restoring what it holds (in-progress downloads continue from their last durable byte). */
export async function createDownloadManager(options: DownloadManagerOptions): Promise<DownloadManagerHost> {
  const dir = path.resolve(options.dir);
  await makeDir(dir);
  // The registry database is also the directory's lock (an OS-level lock the kernel drops with the process).
  const registry = await Registry.open(dir);
  try {
    return await start(dir, options, registry);
  } catch (error) {
    registry.close();
    throw error;
  }
}

async function start(
  dir: string,
  options: DownloadManagerOptions,
  registry: Registry,
): Promise<DownloadManagerHost> {
  const partialDir = path.join(dir, 'partial');
  const filesDir = path.join(dir, 'files');
  const stored = registry.load();
  const profile = options.profile ?? 'oipf';
  const meta = new Map<string, DownloadMeta>(stored.meta);
  let nextId = stored.nextId;
  let unreadable = stored.unreadable;
  let fsFree = await freeBytes(dir);
  const used = (await bytesUnder(partialDir)) + (await bytesUnder(filesDir));
  const capacityBytes = Math.max(
    0,
    Math.min(options.capacityBytes ?? Number.MAX_SAFE_INTEGER, fsFree + used),
  );
  const mismatches: ResultMismatch[] = [];
  const listeners = new Set<(change: HostStateChange) => void>();
  if (options.onStateChange) listeners.add(options.onStateChange);
  const views = new Set<DaeDownloadManager>();
  const live = new Map<string, { bytes: number; since: number; at: number; from: number }>();
  const idleWaiters = new Set<() => void>();
  // Unexpected adapter errors are never dropped: without a handler they become process warnings (stderr).
  const onError = options.onError ?? warn;
  let driver: ManagerDriver | undefined;
  let closed = false;

  const context = (): OipfManagerContext => driver!.context;
  // What the registry holds: the index and reservations last written, and the metadata changed since.
  let written: {
    downloads: DownloadIndex;
    reservations: OipfManagerContext['reservations'];
    nextId: number;
  } = { downloads: DownloadIndex.empty(), reservations: stored.reservations, nextId };
  const dirtyMeta = new Set<string>();
  let writeScheduled = false;
  const flushEveryMs = options.flushEveryMs ?? DEFAULT_FLUSH_EVERY_MS;
  /**
   * Whether the next write must be made durable against a power cut at once (an fsync of the registry's WAL, off
   * the event loop — `Registry.sync`): anything but what a restart redoes anyway. A write holding only that
   * (checkpointed progress, the scheduler's own moves) is synced with the next one that is, or one `flushEveryMs`
   * after the last sync; until then it is already safe from a process crash (kill -9).
   */
  let flushWanted = false;
  /** When the last sync was requested, and whether writes since were not synced. */
  let flushedAt = 0;
  let unflushed = false;
  /** The sync covering the last write that wanted one (flush() and close() wait for it). */
  let durable: Promise<void> = Promise.resolve();
  let syncTimer: NodeJS.Timeout | undefined;
  const requestSync = () => {
    flushedAt = Date.now();
    unflushed = false;
    // This sync covers every write so far: a timer armed for an earlier one would sync again before the interval.
    clearTimeout(syncTimer);
    syncTimer = undefined;
    // Data syncs of transfers reported complete first: the registry never makes a count durable before its bytes.
    durable = engine.dataSynced().then(() => registry.sync());
    durable.catch(onError);
  };
  const syncIfUnflushed = () => {
    syncTimer = undefined;
    if (unflushed && !closed) requestSync();
  };
  /** Checkpoints waiting for the next write (it holds what they reported). */
  let commitWaiters: (() => void)[] = [];
  /** Writes what changed since the last write; then releases the checkpoints that waited for it. */
  const writeChanges = () => {
    writeScheduled = false;
    const waiters = commitWaiters;
    commitWaiters = [];
    const flush = flushWanted || Date.now() - flushedAt >= flushEveryMs;
    flushWanted = false;
    try {
      const wrote = writeDiff();
      if (flush && (wrote || unflushed)) requestSync();
      else if (wrote) {
        unflushed = true;
        // With no later write, the commit still reaches the disk one interval after the last sync.
        syncTimer ??= setTimeout(syncIfUnflushed, Math.max(0, flushedAt + flushEveryMs - Date.now()));
        syncTimer.unref();
      }
    } catch (error) {
      onError(error);
    } finally {
      for (const resolve of waiters) resolve();
    }
  };
  /**
   * Writes the entries that differ from the last write (found by diffing the indexes), in one transaction.
   * Returns whether there was anything to write.
   */
  const writeDiff = (): boolean => {
    if (driver === undefined) return false;
    const now = context();
    const downloads = new Map<string, ManagedDownload | undefined>();
    now.downloads.changesSince(written.downloads, (id, entry) => downloads.set(id, entry));
    const metaChanges = new Map<string, DownloadMeta | undefined>();
    for (const id of dirtyMeta)
      if (downloads.get(id) !== undefined || now.downloads.get(id) !== undefined)
        metaChanges.set(id, meta.get(id));
    const reservations = now.reservations !== written.reservations ? now.reservations : undefined;
    const id = nextId !== written.nextId ? nextId : undefined;
    if (downloads.size === 0 && metaChanges.size === 0 && reservations === undefined && id === undefined) {
      dirtyMeta.clear();
      return false;
    }
    registry.write({ downloads, meta: metaChanges, reservations, nextId: id });
    written = { downloads: now.downloads, reservations: now.reservations, nextId };
    dirtyMeta.clear();
    return true;
  };
  /**
   * Schedules a write; `progress`: it carries only what a restart redoes if a power cut loses it (checkpoints, the
   * scheduler's own moves), synced with the next write that asks for it or within `flushEveryMs` (see `flushWanted`).
   */
  const persist = (progress = false) => {
    if (!progress) flushWanted = true;
    if (writeScheduled) return;
    writeScheduled = true;
    // Coalesced: the changes of one burst of events (one task) go in one transaction.
    setImmediate(writeChanges);
  };
  let freeRefresh: Promise<void> | undefined;
  /** One statfs for the checkpoints of one write. */
  const refreshFree = () =>
    (freeRefresh ??= freeBytes(dir)
      .then((free) => {
        fsFree = free;
      })
      .catch(() => {})
      .finally(() => {
        freeRefresh = undefined;
      }));
  /**
   * Resolves once the registry holds the durable progress reported so far: the checkpoints of concurrent
   * transfers reported in one task share one transaction (one commit, one fsync), not one each.
   */
  const checkpointed = async () => {
    await new Promise<void>((resolve) => {
      commitWaiters.push(resolve);
      persist(true);
    });
    await refreshFree();
  };
  const patchMeta = (id: string, patch: Partial<DownloadMeta>, lazy = false) => {
    const current = meta.get(id);
    if (current === undefined) return;
    meta.set(id, { ...current, ...patch });
    dirtyMeta.add(id);
    persist(lazy);
  };

  const engine = new TransferEngine({
    partialDir,
    filesDir,
    fetchOptions: options.fetchOptions ?? {},
    flushEveryBytes: options.flushEveryBytes ?? DEFAULT_FLUSH_EVERY_BYTES,
    flushEveryMs: options.flushEveryMs ?? DEFAULT_FLUSH_EVERY_MS,
    timerScale: options.timerScale ?? 1,
    enabled: options.transfers ?? true,
    verifyGate: options.verifyGate,
    send: (event) => {
      if (!closed || event.type === 'TRANSFER.PROGRESS') driver?.send(event);
    },
    checkpointed,
    metaOf: (id) => meta.get(id),
    urlOf: (id) => context().downloads.get(id)?.context.url,
    patchMeta,
    onBytes: (id, written) => {
      const now = Date.now();
      const entry = live.get(id);
      if (entry === undefined || written < entry.bytes)
        live.set(id, { bytes: written, since: now, at: now, from: written });
      else live.set(id, { ...entry, bytes: written, at: now });
    },
    onError,
  });

  // Notifications of one machine step, dispatched after it (a task, like a browser's event loop).
  const queue: HostStateChange[] = [];
  const flushNotifications = () => {
    const batch = queue.splice(0);
    for (const change of batch) {
      for (const listener of listeners) listener(change);
      const owner = meta.get(change.id) ?? context().downloads.get(change.id);
      if (owner === undefined) continue;
      for (const view of views) if (view.sees(owner)) view.deliver(change.id, change.state, change.reason);
    }
  };
  const checkIdle = () => {
    if (idleWaiters.size === 0 || !isIdle(context())) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters.clear();
  };

  // Each effect the chart requests, performed by the transfer engine.
  const effects: { readonly [K in keyof OipfManagerEffects]: (params: OipfManagerEffects[K]) => void } = {
    startTransfer: (params) => engine.startTransfer(params),
    stopTransfer: (params) => {
      engine.stopTransfer(params);
      live.delete(params.downloadId);
    },
    deleteData: (params) => engine.deleteData(params),
    startTimer: (params) => engine.startTimer(params),
    cancelTimer: (params) => engine.cancelTimer(params),
    verifyContent: (params) => engine.verifyContent(params),
    cancelVerification: (params) => engine.cancelVerification(params),
    fetchDescriptor: (params) => engine.fetchDescriptor(params),
  };
  const removedListeners = new Set<(id: string) => void>();
  const perform = (output: ManagerOutput): void => {
    if (output.kind === 'effect') {
      (effects[output.effect.type] as (params: unknown) => void)(output.effect.params);
      return;
    }
    const event = output.event;
    if (event.type === 'STATE_CHANGED') {
      // Completion (1) and failure (8) are synced right after their commit. A change the scheduler makes by
      // itself (start, pre-emption, back to queued, a stall) is committed too — a kill -9 keeps it — but synced
      // with the next sync, at the latest flushEveryMs later: a power cut that loses it leaves the download where
      // a restart starts or resumes it again anyway. A change inside an application's call is synced with the
      // call (host.call).
      persist(!MUST_FLUSH.has(event.state));
      if (queue.length === 0) queueMicrotask(flushNotifications);
      queue.push({ id: event.id, state: event.state, reason: event.reason });
      return;
    }
    live.delete(event.id);
    for (const listener of removedListeners) listener(event.id);
    // After this step's notifications (queued before it), which may still name the download.
    queueMicrotask(() => {
      for (const view of views) view.forget(event.id);
    });
  };
  // What is written, and when: after a DAE state change, an application's call (host.call), a metadata change
  // and a durable checkpoint of a transfer. A change inside a state (response headers, the verifying step,
  // progress not yet checkpointed) is not worth a commit of its own: it goes with the next write.
  driver = driveManager(
    {
      capacityBytes,
      profile,
      maxActive: options.maxActive ?? 2,
      manageDownloads: options.manageDownloads ?? 'all',
      reserveNever: options.reserveNever ?? [],
      downloads: stored.downloads,
      reservations: stored.reservations,
    },
    { perform, stepped: checkIdle, onError },
    options.inspect,
  );
  // Before any transfer: data files no registry row names are deleted (none can be resumed).
  if (options.transfers ?? true)
    engine.sweep(new Set([...stored.downloads.map((d) => d.id), ...stored.unreadable.map((u) => u.id)]));
  driver.start();
  // The restored entries are what the registry holds; the first write has only what the start changed.
  written = { ...written, downloads: DownloadIndex.of(stored.downloads) };
  writeChanges();
  // A descriptor fetch interrupted by a crash is requested again (the machine asked for it before).
  for (const d of context().downloads.values()) {
    if (d.descriptorPending) engine.fetchDescriptor({ downloadId: d.id, url: d.context.url });
    // A start timer (downloadStart) does not survive the process: re-arm it for the time still to wait.
    if (d.startPending) {
      const at = Date.parse(meta.get(d.id)?.downloadStart ?? '');
      const ms = Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
      engine.startTimer({ downloadId: d.id, name: 'start', ms });
    }
  }
  writeChanges();

  // What Download property reads see: the entries by id in a Map, brought up to the machine's current index when
  // a read finds the index changed — by its diff against the one last seen, O(log n) per changed entry, each
  // change applied once. A read is then one Map lookup (O(1)), its view computed once per entry value.
  let readIndex = DownloadIndex.empty();
  const readEntries = new Map<string, ManagedDownload>();
  const entryForRead = (id: string): ManagedDownload | undefined => {
    const now = context().downloads;
    if (now !== readIndex) {
      now.changesSince(readIndex, (changed, entry) => {
        if (entry === undefined) readEntries.delete(changed);
        else readEntries.set(changed, entry);
      });
      readIndex = now;
    }
    return readEntries.get(id);
  };

  const host: DaeHost = {
    profile,
    context,
    viewOf: (id) => {
      const entry = entryForRead(id);
      return entry === undefined ? undefined : downloadView(entry);
    },
    pausedByTerminal: (id) => {
      const download = entryForRead(id);
      return download !== undefined && isPausedByTerminal(download);
    },
    metaOf: (id) => meta.get(id),
    patchMeta,
    rateOf: (id) => {
      const entry = live.get(id);
      if (entry === undefined || entry.at <= entry.since) return undefined;
      return ((entry.bytes - entry.from) * 1000) / (entry.at - entry.since);
    },
    newId: () => String(nextId++),
    setMeta: (id, m) => {
      meta.set(id, m);
      dirtyMeta.add(id);
    },
    dropMeta: (id) => {
      meta.delete(id);
      dirtyMeta.add(id);
    },
    call: <T>(decided: T, event: OipfManagerEvent): T => {
      if (closed) throw new Error('the download manager is closed');
      driver!.send(event);
      persist();
      const lastResult = context().lastResult;
      if (!sameValue(decided, lastResult)) mismatches.push({ event: event.type, decided, lastResult });
      return decided;
    },
    discInfo: (): DiscInfo | undefined => {
      const info = discInfoOf(context());
      if (info === undefined) return undefined;
      return { ...info, free: Math.min(info.free, Math.floor(fsFree / BYTES_PER_MB)) };
    },
    checkDownloadPossible: (caller: DaeCaller, bytes: number) => {
      if (!Number.isSafeInteger(bytes) || bytes < 0) return false;
      // The machine's accounting decides, for a not-yet-registered download of the caller's organisation.
      const probe: ManagedDownload = {
        id: '\u0000probe',
        appId: caller.appId,
        origin: caller.origin,
        orgId: caller.orgId,
        contentType: '',
        descriptorPending: false,
        value: 'queued',
        context: {
          id: '\u0000probe',
          url: '',
          totalSize: bytes,
          bytesReceived: 0,
          etag: undefined,
          priority: 0,
          stallAttempts: 0,
          profile,
          contentComplete: false,
          verification: 0,
        },
      };
      return fitsStorage(context(), probe, bytes) && bytes <= fsFree;
    },
  };

  return {
    dir,
    profile,
    capability: capabilityFragment(options.manageDownloads ?? 'all'),
    mismatches,
    get unreadable() {
      return unreadable;
    },
    dropUnreadable(ids) {
      const known = new Set(unreadable.map((u) => u.id));
      const dropped = registry.drop(ids.filter((id) => known.has(id)));
      requestSync();
      unreadable = unreadable.filter((u) => !ids.includes(u.id));
      return dropped;
    },
    application(app) {
      const downloadManager = new DaeDownloadManager(host, app);
      views.add(downloadManager);
      return { downloadTrigger: new DaeDownloadTrigger(host, callerOf(app)), downloadManager };
    },
    context,
    views: () => downloadViews(context()),
    metaOf: (id) => meta.get(id),
    liveBytes: (id) => live.get(id)?.bytes,
    onRemoved(listener) {
      removedListeners.add(listener);
      return () => removedListeners.delete(listener);
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    whenIdle() {
      if (isIdle(context())) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.add(resolve);
      });
    },
    async flush() {
      flushWanted = true;
      writeChanges();
      await durable;
    },
    async close() {
      if (closed) return;
      await engine.close();
      closed = true;
      clearTimeout(syncTimer);
      flushWanted = true;
      writeChanges();
      await durable.catch(() => {});
      driver?.stop();
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
      registry.close();
    },
  };
}

/** Reports an adapter error nobody handles as a process warning: its message, and its stack as the detail. */
function warn(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const detail = error instanceof Error ? error.stack : undefined;
  process.emitWarning(message, {
    type: 'DlstateManagerWarning',
    ...(detail !== undefined ? { detail } : {}),
  });
}

/** Whether nothing is left to do: every download completed, paused or failed, no descriptor pending. */
function isIdle(context: OipfManagerContext): boolean {
  const done: readonly number[] = [
    DAE_STATE.DOWNLOAD_COMPLETED,
    DAE_STATE.DOWNLOAD_PAUSED,
    DAE_STATE.DOWNLOAD_FAILED,
  ];
  return downloadViews(context).every((v) => done.includes(v.state) && !v.descriptorPending);
}
