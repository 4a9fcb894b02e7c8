/**
 * The DAE embedded objects of one application: `application/oipfDownloadTrigger` (7.4.1) and
 * `application/oipfDownloadManager` (7.4.3), shaped like the spec (names, argument order, return
 * values, `undefined`/`null` where it says so). Every return value is computed by the machines' pure
 * `decide*` function on the current snapshot, then the matching event is sent (the host checks that
 * the machine's `lastResult` agrees); read-only members are pure queries on the snapshot. In the HbbTV
 * profile the members it drops are absent, not throwing (HBB-PROFILE-1).
 *
 * @module
 */
import { parseCadd } from '../../machines/oipf/cadd.js';
import {
  allocatedMb,
  appOf,
  type DaeCaller,
  type DaeMember,
  type DaeReason,
  type DaeState,
  type DownloadListing,
  decidePause,
  decideRegister,
  decideRemove,
  decideReserve,
  decideResume,
  decideUpdate,
  filterAdmits,
  filteredListQuery,
  getDownloadsFor,
  getDownloadsQuery,
  hasReservedMb,
  isMemberAvailable,
  type ListQuery,
  listDownloads,
  type ManageDownloads,
  type OipfManagerContext,
  type OipfManagerEvent,
  RESERVE,
  type RegisterCall,
  type ReserveResult,
} from '../../machines/oipf/index.js';
import type { DiscInfo } from '../../machines/oipf/manager.logic.js';
import { DaeDownload, DownloadCollection, type DownloadSource, type OrderedIds } from './dae-download.js';
import { type DownloadMeta, metaOfItem } from './meta.js';

/** The content type recorded for the items of a CADD given inline to registerDownload (ours). */
export const INLINE_CADD_ITEM_TYPE = 'application/octet-stream';

/** What the objects need from the manager host. */
export interface DaeHost extends DownloadSource {
  /** The current manager context (the snapshot every decision reads). */
  context(): OipfManagerContext;
  /** A fresh download id (never reused). */
  newId(): string;
  /** Records the adapter-side facts of a download about to be registered. */
  setMeta(id: string, meta: DownloadMeta): void;
  dropMeta(id: string): void;
  /** Sends an application event and checks the machine's `lastResult` against the decided value. */
  call<T>(decided: T, event: OipfManagerEvent): T;
  /** discInfo combined with the real file system. */
  discInfo(): DiscInfo | undefined;
  /** checkDownloadPossible for a caller. */
  checkDownloadPossible(caller: DaeCaller, bytes: number): boolean;
}

/** The application as the running manager knows it (set by the application runtime, DAE-SEC-1). */
export interface ApplicationInfo {
  /** The application id (initiator of its downloads). */
  readonly id: string;
  /** The FQDN of the calling document, e.g. `tv.example`. */
  readonly origin: string;
  /** Reservations are per organisation. */
  readonly organisationId: string;
  readonly permissions: DaeCaller['permissions'];
  /** Narrows what this application's getDownloads returns (the capability it sees); ours. @default the manager's */
  readonly manageDownloads?: ManageDownloads;
}

/** The caller record the machines use for an application. */
export function callerOf(app: ApplicationInfo): DaeCaller {
  return { appId: app.id, origin: app.origin, orgId: app.organisationId, permissions: app.permissions };
}

/** The DOM event of `onDownloadStateChange` (DAE-EVT-2): no bubbling, not cancellable; item, state, reason. */
export class DownloadStateChangeEvent extends Event {
  readonly item: DaeDownload;
  readonly state: DaeState;
  /** Defined only with state 8 (DAE-STATE-2). */
  readonly reason: DaeReason | undefined;

  constructor(item: DaeDownload, state: DaeState, reason: DaeReason | undefined) {
    super('DownloadStateChange', { bubbles: false, cancelable: false, composed: false });
    this.item = item;
    this.state = state;
    this.reason = reason;
  }
}

/** One Download object per id per application, so `item` in events is the object getDownloads returned. */
class DownloadCache {
  readonly #objects = new Map<string, DaeDownload>();
  constructor(readonly source: DownloadSource) {}
  get(id: string): DaeDownload {
    let object = this.#objects.get(id);
    if (object === undefined) {
      object = new DaeDownload(this.source, id);
      this.#objects.set(id, object);
    }
    return object;
  }
  /** A collection of these ids (immutable, shared, never copied): each object made when first read. */
  collection(ids: OrderedIds): DownloadCollection {
    return DownloadCollection.ofIds(ids, (id) => this.get(id));
  }
  /** Drops a removed download's object: its id is never listed or notified again (held copies stay all-undefined). */
  delete(id: string): void {
    this.#objects.delete(id);
  }
  get size(): number {
    return this.#objects.size;
  }
}

/** List queries whose last answer an application's manager object keeps (a few distinct calls suffice). */
const KEPT_LISTS = 8;

/** `application/oipfDownloadTrigger` for one application. */
export class DaeDownloadTrigger {
  readonly #host: DaeHost;
  readonly #caller: DaeCaller;
  readonly #chosenIds: Iterator<string> | undefined;

  /** @internal Created by `manager.application()`. */
  constructor(host: DaeHost, caller: DaeCaller, chosenIds?: Iterable<string>) {
    this.#host = host;
    this.#caller = caller;
    this.#chosenIds = chosenIds?.[Symbol.iterator]();
  }

  /**
   * The same application's trigger, registering under ids a remote caller already chose and returned (the
   * page runtime of `serve-dae`), in order; when they run out the manager's own ids are used. A chosen id
   * that is taken is refused like any duplicate (decideRegister).
   */
  static withIds(trigger: DaeDownloadTrigger, ids: Iterable<string>): DaeDownloadTrigger {
    return new DaeDownloadTrigger(trigger.#host, trigger.#caller, ids);
  }

  #nextId(): string {
    const chosen = this.#chosenIds?.next();
    return chosen === undefined || chosen.done === true ? this.#host.newId() : chosen.value;
  }

  #register(
    url: string,
    contentType: string,
    downloadStart: Date | null | undefined,
    priority: number | undefined,
    extra: Partial<DownloadMeta> & { totalSize?: number | undefined },
  ): string | undefined {
    const id = this.#nextId();
    const { totalSize, ...meta } = extra;
    const call: RegisterCall = {
      downloadId: id,
      caller: this.#caller,
      url: String(url ?? ''),
      contentType: String(contentType ?? ''),
      priority: Number.isFinite(Number(priority)) ? Number(priority) : 0,
      ...(totalSize !== undefined ? { totalSize } : {}),
      ...(validDate(downloadStart) && downloadStart.getTime() > Date.now()
        ? { startDelayMs: downloadStart.getTime() - Date.now() }
        : {}),
    };
    const decided = decideRegister(this.#host.context(), call);
    if (decided !== undefined) {
      this.#host.setMeta(id, {
        appId: this.#caller.appId,
        origin: this.#caller.origin,
        registeredAt: new Date().toISOString(),
        downloadStart: validDate(downloadStart) ? downloadStart.toISOString() : undefined,
        ...meta,
      });
    }
    const result = this.#host.call(decided, { type: 'APP.REGISTER', ...call });
    if (result === undefined) this.#host.dropMeta(id);
    return result;
  }

  /**
   * Registers the downloads a Content Access Download Descriptor (XML) lists; returns the id of the
   * first, or undefined when the descriptor is rejected (ours: one download per ContentItem).
   */
  registerDownload(contentAccessDownloadDescriptor: string, downloadStart?: Date | null): string | undefined {
    const parsed = parseCadd(String(contentAccessDownloadDescriptor ?? ''));
    if (!parsed.ok) return undefined;
    let first: string | undefined;
    for (const item of parsed.items) {
      const id = this.#register(item.contentURL, INLINE_CADD_ITEM_TYPE, downloadStart, 0, {
        ...metaOfItem(item),
        totalSize: item.totalSize,
      });
      first ??= id;
    }
    return first;
  }

  /**
   * Registers one download and returns its id, or undefined when refused. With the CADD content type
   * the id is returned at once and the descriptor is fetched afterwards (DAE-GET-2). HbbTV's trailing
   * `priority` is accepted in both profiles (a larger number is a higher priority; default 0).
   */
  registerDownloadURL(
    URL: string,
    contentType: string,
    downloadStart?: Date | null,
    priority?: number,
  ): string | undefined {
    return this.#register(URL, contentType, downloadStart, priority, {});
  }

  /** Whether `sizeInBytes` could be downloaded now (the caller's reservation or the free space, and the file system). */
  checkDownloadPossible(sizeInBytes: number): boolean {
    return this.#host.checkDownloadPossible(this.#caller, Number(sizeInBytes));
  }
}

/** `application/oipfDownloadManager` for one application: a real EventTarget. */
export class DaeDownloadManager extends EventTarget {
  readonly RESERVE_OK = RESERVE.RESERVE_OK;
  readonly RESERVE_NEVER = RESERVE.RESERVE_NEVER;
  readonly RESERVE_USER_INTERVENTION_REQD = RESERVE.RESERVE_USER_INTERVENTION_REQD;
  readonly RESERVE_USER_DECLINED = RESERVE.RESERVE_USER_DECLINED;
  readonly RESERVE_TOO_LARGE = RESERVE.RESERVE_TOO_LARGE;
  readonly RESERVE_SMALLER_THAN_USED = RESERVE.RESERVE_SMALLER_THAN_USED;
  readonly RESERVE_UNKNOWN = RESERVE.RESERVE_UNKNOWN;

  /** Called with (item, state, reason) on every state change of a download this application may see (DAE-EVT-1). */
  onDownloadStateChange:
    | ((item: DaeDownload, state: DaeState, reason: DaeReason | undefined) => void)
    | null = null;

  /** OIPF only (absent in HbbTV): the storage device in MB (DAE-PROP-2). */
  declare readonly discInfo?: DiscInfo;
  /** OIPF only: pause(download). */
  declare readonly pause?: (download: DaeDownload) => boolean;
  /** OIPF only: resume(download). */
  declare readonly resume?: (download: DaeDownload) => boolean;
  /** OIPF only: getDownloads(id?) — null for a CADD download not yet parsed (DAE-GET-2). */
  declare readonly getDownloads?: (id?: string | null) => DownloadCollection | null;
  /** OIPF only: updateRegisteredDownload(download, newURL). */
  declare readonly updateRegisteredDownload?: (download: DaeDownload, newURL: string) => boolean;

  readonly #host: DaeHost;
  readonly #caller: DaeCaller;
  readonly #readScope: ManageDownloads | undefined;
  readonly #cache: DownloadCache;
  /** The last answer of each list call (`get`, `filter:<currentDomain>:<states>`). */
  readonly #lists = new Map<string, DownloadListing>();

  /** @internal Created by `manager.application()`. */
  constructor(host: DaeHost, app: ApplicationInfo) {
    super();
    this.#host = host;
    this.#caller = callerOf(app);
    this.#readScope = app.manageDownloads;
    this.#cache = new DownloadCache(host);
    const optional: Partial<Record<DaeMember, PropertyDescriptor>> = {
      discInfo: { get: () => this.#host.discInfo() },
      pause: { value: (d: DaeDownload) => this.#decided(d, 'APP.PAUSE', decidePause) },
      resume: { value: (d: DaeDownload) => this.#decided(d, 'APP.RESUME', decideResume) },
      getDownloads: { value: (id?: string | null) => this.#getDownloads(id) },
      updateRegisteredDownload: { value: (d: DaeDownload, url: string) => this.#update(d, url) },
    };
    // HBB-PROFILE-1: a member the profile drops is not defined at all ('pause' in object is false).
    for (const [member, descriptor] of Object.entries(optional)) {
      if (isMemberAvailable(host.profile, member as DaeMember))
        Object.defineProperty(this, member, { ...descriptor, enumerable: true, configurable: false });
    }
  }

  /** DAE-EVT-2: `useCapture` is ignored (the event is dispatched at the object only). */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    const rest = typeof options === 'object' && options !== null ? { ...options, capture: false } : undefined;
    super.addEventListener(type, listener, rest);
  }

  /** Like addEventListener, `useCapture` is ignored. */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    _options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener);
  }

  /** @internal The Download object of this application for an id. */
  downloadFor(id: string): DaeDownload {
    return this.#cache.get(id);
  }

  /**
   * @internal A download was removed: its object leaves this application's cache (one the page holds stays, with
   * every property undefined — DAE-REMOVE-2), so a long-running manager keeps objects only for live downloads.
   */
  forget(id: string): void {
    this.#cache.delete(id);
  }

  /** @internal How many Download objects this application's cache holds (tests). */
  get cachedDownloads(): number {
    return this.#cache.size;
  }

  /** @internal Whether this application is told about a download: the createFilteredList(undefined) scope (ours). */
  sees(download: { readonly appId: string; readonly origin: string }): boolean {
    return filterAdmits(appOf(this.#caller, this.#host.context().manageDownloads), download, undefined);
  }

  /** @internal Calls onDownloadStateChange, then dispatches the DownloadStateChange DOM event (DAE-EVT-1, DAE-EVT-2). */
  deliver(id: string, state: DaeState, reason: DaeReason | undefined): void {
    const item = this.#cache.get(id);
    try {
      this.onDownloadStateChange?.(item, state, reason);
    } finally {
      this.dispatchEvent(new DownloadStateChangeEvent(item, state, reason));
    }
  }

  #decided(
    download: DaeDownload,
    type: 'APP.PAUSE' | 'APP.RESUME' | 'APP.REMOVE',
    decide: (ctx: OipfManagerContext, call: { downloadId: string; caller: DaeCaller }) => boolean,
  ): boolean {
    // A value that is no Download of ours refers to no valid download: '' is never an id.
    const call = { downloadId: DaeDownload.idOf(download) ?? '', caller: this.#caller };
    return this.#host.call(decide(this.#host.context(), call), { type, ...call });
  }

  #update(download: DaeDownload, newURL: string): boolean {
    const call = {
      downloadId: DaeDownload.idOf(download) ?? '',
      caller: this.#caller,
      url: String(newURL ?? ''),
    };
    return this.#host.call(decideUpdate(this.#host.context(), call), { type: 'APP.UPDATE_URL', ...call });
  }

  #getDownloads(id?: string | null): DownloadCollection | null {
    const ctx = this.#host.context();
    const scoped = this.#readScope === undefined ? ctx : { ...ctx, manageDownloads: this.#readScope };
    if (id === undefined || id === null) {
      const query = getDownloadsQuery(scoped, this.#caller);
      return query === undefined ? null : this.#list('get', query);
    }
    const views = getDownloadsFor(scoped, this.#caller, String(id));
    return views === null || views === undefined ? null : this.#cache.collection(views.map((v) => v.id));
  }

  /**
   * The collection of a list call: which downloads it holds is fixed at the call (a snapshot; their
   * properties stay live). The answer is kept per query, and finding out whether it still holds costs
   * what changed in the index since the last call (manager.listing.ts), not a pass over every download;
   * the collection shares the answer's immutable ids, so making it copies nothing.
   */
  #list(key: string, query: ListQuery): DownloadCollection {
    const kept = this.#lists.get(key);
    const listing = listDownloads(this.#host.context().downloads, query, kept);
    this.#lists.delete(key);
    if (this.#lists.size >= KEPT_LISTS) this.#lists.delete(this.#lists.keys().next().value!);
    this.#lists.set(key, listing);
    return this.#cache.collection(listing.ids);
  }

  /** remove(download): deletes it and its data (DAE-REMOVE-1); its object becomes all-undefined (DAE-REMOVE-2). */
  remove(download: DaeDownload): boolean {
    return this.#decided(download, 'APP.REMOVE', decideRemove);
  }

  /** createFilteredList(currentDomain, states) (DAE-FILTER-1…4). */
  createFilteredList(currentDomain: boolean | undefined, states: number): DownloadCollection {
    // The table knows true, false and anything else (undefined); the key must not tell apart what it does not.
    const domain = currentDomain === true || currentDomain === false ? currentDomain : undefined;
    const bits = Number(states);
    const query = filteredListQuery(this.#host.context(), this.#caller, domain, bits);
    return this.#list(`filter:${domain}:${bits}`, query);
  }

  /** reserve(bytes): one of the RESERVE_* constants (DAE-RESERVE-*, HBB-RESERVE-1). */
  reserve(bytes: number): ReserveResult {
    const call = { caller: this.#caller, bytes: Number(bytes) };
    return this.#host.call(decideReserve(this.#host.context(), call), { type: 'APP.RESERVE', ...call });
  }

  /** The organisation's reservation in MB, else -1 (DAE-PROP-1). */
  get hasReserved(): number {
    return hasReservedMb(this.#host.context(), this.#caller.orgId);
  }

  /** The part of the organisation's reservation in use, in MB, else -1 (DAE-PROP-1). */
  get allocated(): number {
    return allocatedMb(this.#host.context(), this.#caller.orgId);
  }
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
