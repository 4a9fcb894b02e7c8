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

/** A DAE `DownloadCollection`: `length`, `item(i)` and (harmless) array-style indexing. */
export class DownloadCollection {
  readonly length: number;
  readonly [index: number]: DaeDownload;

  constructor(items: readonly DaeDownload[]) {
    this.length = items.length;
    // Plain stores, then one freeze (read-only, as defineProperty per index made them, at 1/20 of the cost).
    const writable = this as unknown as DaeDownload[];
    for (let i = 0; i < items.length; i += 1) writable[i] = items[i]!;
    Object.freeze(this);
  }

  /** The download at position `index`, or undefined when there is none. */
  item(index: number): DaeDownload | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.length ? this[index] : undefined;
  }

  *[Symbol.iterator](): IterableIterator<DaeDownload> {
    for (let i = 0; i < this.length; i += 1) yield this[i] as DaeDownload;
  }
}
