/**
 * The DAE `Download` class (7.4.4) and `DownloadCollection` (7.4.5) as views over the manager's current
 * snapshot: every property is a getter, so it always shows the machine's latest state, and once the
 * download is removed every property is `undefined` (DAE-REMOVE-2).
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { DAE_STATE, type DownloadView, type Profile } from '../../machines/oipf/index.js';
import type { DownloadMeta } from './meta.js';

/** What a Download object reads from the manager host. */
export interface DownloadSource {
  readonly profile: Profile;
  viewOf(id: string): DownloadView | undefined;
  metaOf(id: string): DownloadMeta | undefined;
  patchMeta(id: string, patch: Partial<DownloadMeta>): void;
  /** Bytes per second of the running transfer, when measurable. */
  rateOf(id: string): number | undefined;
  /** Whether the download is paused by the OITF (pre-empted), not by an application. @default never */
  pausedByTerminal?(id: string): boolean;
}

const EMPTY: readonly never[] = Object.freeze([]);

function lastSegment(url: string): string | undefined {
  try {
    const segment = new URL(url).pathname.split('/').pop();
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

/** A DAE `Download`: read-only properties over the live snapshot (plus HbbTV's `flaggedForDeletion`). */
export class DaeDownload {
  /** DAE state constants, as seen on Download in deployed OITFs. */
  static readonly DOWNLOAD_COMPLETED = DAE_STATE.DOWNLOAD_COMPLETED;
  static readonly DOWNLOAD_IN_PROGRESS = DAE_STATE.DOWNLOAD_IN_PROGRESS;
  static readonly DOWNLOAD_PAUSED = DAE_STATE.DOWNLOAD_PAUSED;
  static readonly DOWNLOAD_FAILED = DAE_STATE.DOWNLOAD_FAILED;
  static readonly DOWNLOAD_NOT_STARTED = DAE_STATE.DOWNLOAD_NOT_STARTED;
  static readonly DOWNLOAD_STALLED = DAE_STATE.DOWNLOAD_STALLED;
  // The same constants on the object are getters: after removal they are undefined too (DAE-REMOVE-2).
  get DOWNLOAD_COMPLETED(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_COMPLETED);
  }
  get DOWNLOAD_IN_PROGRESS(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_IN_PROGRESS);
  }
  get DOWNLOAD_PAUSED(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_PAUSED);
  }
  get DOWNLOAD_FAILED(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_FAILED);
  }
  get DOWNLOAD_NOT_STARTED(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_NOT_STARTED);
  }
  get DOWNLOAD_STALLED(): number | undefined {
    return this.#constant(DAE_STATE.DOWNLOAD_STALLED);
  }

  readonly #source: DownloadSource;
  readonly #id: string;

  /** @internal Created by the manager host only (one object per application and id). */
  constructor(source: DownloadSource, id: string) {
    this.#source = source;
    this.#id = id;
  }

  /** @internal The id this object stands for, even after removal (methods then return false). */
  static idOf(value: unknown): string | undefined {
    return value instanceof DaeDownload ? value.#id : undefined;
  }

  #constant(value: number): number | undefined {
    return this.#view() === undefined ? undefined : value;
  }

  #view(): DownloadView | undefined {
    return this.#source.viewOf(this.#id);
  }

  #meta(): DownloadMeta | undefined {
    return this.#view() === undefined ? undefined : this.#source.metaOf(this.#id);
  }

  get id(): string | undefined {
    return this.#view()?.id;
  }
  get state(): number | undefined {
    return this.#view()?.state;
  }
  /** Defined only in state 8 (DAE-STATE-2). */
  get reason(): number | undefined {
    return this.#view()?.reason;
  }
  get totalSize(): number | undefined {
    return this.#view()?.totalSize;
  }
  get amountDownloaded(): number | undefined {
    return this.#view()?.amountDownloaded;
  }
  get contentURL(): string | undefined {
    return this.#view()?.url;
  }
  get priority(): number | undefined {
    return this.#view()?.priority;
  }
  get name(): string | undefined {
    const view = this.#view();
    if (view === undefined) return undefined;
    return this.#meta()?.name ?? lastSegment(view.url);
  }
  get description(): string | undefined {
    return this.#meta()?.description;
  }
  get contentID(): string | undefined {
    return this.#meta()?.contentID;
  }
  get originSite(): string | undefined {
    return this.#meta()?.originSite;
  }
  get originSiteName(): string | undefined {
    return this.#meta()?.originSiteName;
  }
  get iconURL(): string | undefined {
    return this.#meta()?.iconURL;
  }
  get transferType(): string | undefined {
    return this.#view() === undefined ? undefined : (this.#meta()?.transferType ?? 'full_download');
  }
  /** The requested start (downloadStart) or the registration time. */
  get startTime(): Date | undefined {
    const meta = this.#meta();
    const at = meta?.downloadStart ?? meta?.registeredAt;
    return at === undefined ? undefined : new Date(at);
  }
  /** Seconds since the first transfer started (until completion); ours. */
  get timeElapsed(): number | undefined {
    const meta = this.#meta();
    if (meta?.firstTransferAt === undefined) return this.#view() === undefined ? undefined : 0;
    const end = meta.completedAt === undefined ? Date.now() : Date.parse(meta.completedAt);
    return Math.max(0, Math.round((end - Date.parse(meta.firstTransferAt)) / 1000));
  }
  /** Estimated seconds to completion at the current rate; undefined when unknown (ours). */
  get timeRemaining(): number | undefined {
    const view = this.#view();
    if (view === undefined) return undefined;
    if (view.state === DAE_STATE.DOWNLOAD_COMPLETED) return 0;
    const rate = this.#source.rateOf(this.#id);
    if (view.totalSize === undefined || rate === undefined || rate <= 0) return undefined;
    return Math.ceil((view.totalSize - view.amountDownloaded) / rate);
  }
  get parentalRatings(): readonly { scheme: string | undefined; value: string }[] | undefined {
    if (this.#view() === undefined) return undefined;
    return this.#meta()?.parentalRatings ?? EMPTY;
  }
  /** No DRM is in scope: an empty collection. */
  get drmControl(): readonly never[] | undefined {
    return this.#view() === undefined ? undefined : EMPTY;
  }
  /**
   * The local URI of the downloaded content, for an A/V control object: the completed file as a `file:` URL;
   * undefined until the download completes (ours).
   */
  get uri(): string | undefined {
    const file = this.#meta()?.filePath;
    return file === undefined || this.state !== DAE_STATE.DOWNLOAD_COMPLETED
      ? undefined
      : pathToFileURL(file).href;
  }
  /** The current transfer rate in bits per second while in progress and measurable, else 0 (ours). */
  get currentBitrate(): number | undefined {
    const view = this.#view();
    if (view === undefined) return undefined;
    const rate = view.state === DAE_STATE.DOWNLOAD_IN_PROGRESS ? this.#source.rateOf(this.#id) : undefined;
    return rate === undefined ? 0 : Math.round(rate * 8);
  }
  /** The descriptive metadata the CADD gave (name, description, contentID, origin site, icon); `{}` for a URL registration (ours). */
  get metadata(): Readonly<Record<string, string>> | undefined {
    if (this.#view() === undefined) return undefined;
    const meta = this.#meta();
    const fields = ['name', 'description', 'contentID', 'originSite', 'originSiteName', 'iconURL'] as const;
    const out: Record<string, string> = {};
    for (const field of fields) {
      const value = meta?.[field];
      if (value !== undefined) out[field] = value;
    }
    return Object.freeze(out);
  }
  /** Whether a paused (4) download was paused by the OITF (pre-empted, DAE-PRIO-1) rather than by an application. */
  get suspendedByTerminal(): boolean | undefined {
    const view = this.#view();
    if (view === undefined) return undefined;
    return view.state === DAE_STATE.DOWNLOAD_PAUSED && (this.#source.pausedByTerminal?.(this.#id) ?? false);
  }
  /** HbbTV: 0 = no errors (no FDP in scope); undefined in the OIPF profile. */
  get errorLevel(): number | undefined {
    return this.#view() !== undefined && this.#source.profile === 'hbbtv' ? 0 : undefined;
  }
  /** HbbTV: recorded only (automatic deletion of flagged items is not implemented). */
  get flaggedForDeletion(): boolean | undefined {
    if (this.#view() === undefined || this.#source.profile !== 'hbbtv') return undefined;
    return this.#meta()?.flaggedForDeletion ?? false;
  }
  set flaggedForDeletion(value: boolean | undefined) {
    if (this.#view() === undefined || this.#source.profile !== 'hbbtv') return;
    this.#source.patchMeta(this.#id, { flaggedForDeletion: Boolean(value) });
  }
}

/** The DAE properties of a Download (for tests and tools that check them all). */
export const DOWNLOAD_PROPERTIES = Object.freeze([
  'id',
  'name',
  'description',
  'contentID',
  'state',
  'reason',
  'totalSize',
  'amountDownloaded',
  'contentURL',
  'originSite',
  'originSiteName',
  'iconURL',
  'transferType',
  'startTime',
  'timeElapsed',
  'timeRemaining',
  'parentalRatings',
  'drmControl',
  'priority',
  'uri',
  'currentBitrate',
  'metadata',
  'suspendedByTerminal',
] as const);

/** What a collection reads: its length, and its i-th Download object (0 ≤ i < length). */
interface CollectionItems {
  readonly length: number;
  at(index: number): DaeDownload;
}

/** Each collection's items (kept off the object, which may be reached through its proxy). */
const ITEMS = new WeakMap<object, CollectionItems>();

/** The index a property key names (a canonical array index), else undefined. */
function indexOfKey(key: string | symbol): number | undefined {
  if (typeof key !== 'string' || key === '') return undefined;
  const index = Number(key);
  return Number.isInteger(index) && index >= 0 && String(index) === key ? index : undefined;
}

function itemsOf(collection: object): CollectionItems {
  const items = ITEMS.get(collection);
  if (items === undefined) throw new TypeError('not a DownloadCollection');
  return items;
}

/**
 * Array-style indexing as WebIDL's indexed getter gives it to a collection: `c[i]` is `c.item(i)`, the
 * indices are read-only own enumerable properties, and nothing can be added, changed or deleted.
 */
const INDEXED: ProxyHandler<DownloadCollection> = {
  get(target, key, receiver) {
    const index = indexOfKey(key);
    return index === undefined ? Reflect.get(target, key, receiver) : target.item(index);
  },
  has(target, key) {
    const index = indexOfKey(key);
    return index === undefined ? Reflect.has(target, key) : index < target.length;
  },
  ownKeys(target) {
    const keys: (string | symbol)[] = [];
    for (let i = 0; i < target.length; i += 1) keys.push(String(i));
    return [...keys, ...Reflect.ownKeys(target)];
  },
  getOwnPropertyDescriptor(target, key) {
    const index = indexOfKey(key);
    if (index === undefined) return Reflect.getOwnPropertyDescriptor(target, key);
    if (index >= target.length) return undefined;
    return { value: target.item(index), writable: false, enumerable: true, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  setPrototypeOf: () => false,
};

/** Download ids in a collection's order: an array, or a listing's immutable sequence (`IdSequence`). */
export interface OrderedIds {
  readonly length: number;
  at(index: number): string | undefined;
}

/**
 * A DAE `DownloadCollection`: `length`, `item(i)` and (harmless) array-style indexing. Which downloads
 * it holds is fixed when it is made (a list call's snapshot); each Download object is the application's
 * one object for that id (its properties live), made when first read — so a list of 10 000 costs its
 * ids, not 10 000 objects, until they are read.
 */
export class DownloadCollection {
  readonly [index: number]: DaeDownload;

  /** The collection of these Download objects, in this order. */
  constructor(items: readonly DaeDownload[]) {
    const copy = [...items];
    // biome-ignore lint/correctness/noConstructorReturn: the indexed getter is a proxy over the collection (WebIDL's exotic object)
    return DownloadCollection.#indexed(this, { length: copy.length, at: (i) => copy[i]! });
  }

  /**
   * @internal The collection of `ids` in this order (an array, or a listing's immutable sequence), each resolved to
   * its Download object when first read.
   */
  static ofIds(ids: OrderedIds, objectFor: (id: string) => DaeDownload): DownloadCollection {
    const collection = Object.create(DownloadCollection.prototype) as DownloadCollection;
    return DownloadCollection.#indexed(collection, { length: ids.length, at: (i) => objectFor(ids.at(i)!) });
  }

  static #indexed(collection: DownloadCollection, items: CollectionItems): DownloadCollection {
    ITEMS.set(collection, items);
    const proxy = new Proxy(collection, INDEXED);
    ITEMS.set(proxy, items);
    return proxy;
  }

  /** How many downloads the collection holds. */
  get length(): number {
    return itemsOf(this).length;
  }

  /** The download at position `index`, or undefined when there is none. */
  item(index: number): DaeDownload | undefined {
    const items = itemsOf(this);
    return Number.isInteger(index) && index >= 0 && index < items.length ? items.at(index) : undefined;
  }

  *[Symbol.iterator](): IterableIterator<DaeDownload> {
    const items = itemsOf(this);
    for (let i = 0; i < items.length; i += 1) yield items.at(i);
  }
}
