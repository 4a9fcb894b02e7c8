/**
 * The DAE objects inside the page: `Download` (7.4.4), `DownloadCollection` (7.4.5),
 * `application/oipfDownloadManager` (7.4.3) and `application/oipfDownloadTrigger` (7.4.1). Every return value
 * is decided at once by the pure functions of machines/oipf on the page's view; the effect goes to the
 * manager, which decides again (view.ts). Members the application's profile drops are absent (HBB-PROFILE-1).
 *
 * @module
 */
import {
  type AppViewMethod,
  decideOnView,
  decideRegisterOnView,
  decideReserveOnFacts,
  registeredOnView,
} from '../../../machines/oipf/app-view.logic.js';
import { parseCadd } from '../../../machines/oipf/cadd.js';
import {
  DAE_STATE,
  type DaeMember,
  type DaeReason,
  type DaeState,
  RESERVE,
} from '../../../machines/oipf/constants.js';
import { isMemberAvailable } from '../../../machines/oipf/manager.logic.js';
import { createFilteredList, getDownloads } from '../../../machines/oipf/scope.js';
import { WIRE_DOWNLOAD_PROPERTIES, type WireDownload } from '../protocol.js';
import type { PageView } from './view.js';

const DATE_PROPERTIES = new Set(['startTime']);

/** A page-chosen download id (a UUID: unique without asking the manager). */
function newId(): string {
  return crypto.randomUUID();
}

/** A DAE `Download`: getters over the view; every property is undefined once it is gone (DAE-REMOVE-2). */
export class PageDownload {
  static readonly DOWNLOAD_COMPLETED = DAE_STATE.DOWNLOAD_COMPLETED;
  static readonly DOWNLOAD_IN_PROGRESS = DAE_STATE.DOWNLOAD_IN_PROGRESS;
  static readonly DOWNLOAD_PAUSED = DAE_STATE.DOWNLOAD_PAUSED;
  static readonly DOWNLOAD_FAILED = DAE_STATE.DOWNLOAD_FAILED;
  static readonly DOWNLOAD_NOT_STARTED = DAE_STATE.DOWNLOAD_NOT_STARTED;
  static readonly DOWNLOAD_STALLED = DAE_STATE.DOWNLOAD_STALLED;
  readonly #view: PageView;
  readonly #id: string;

  constructor(view: PageView, id: string) {
    this.#view = view;
    this.#id = id;
  }

  /** The id this object stands for, even after removal. */
  static idOf(value: unknown): string | undefined {
    return value instanceof PageDownload ? value.#id : undefined;
  }

  get id(): string | undefined {
    return this.#view.downloads.get(this.#id)?.id;
  }
  get state(): DaeState | undefined {
    return this.#view.downloads.get(this.#id)?.state;
  }
  /** Defined only in state 8 (DAE-STATE-2). */
  get reason(): DaeReason | undefined {
    const d = this.#view.downloads.get(this.#id);
    return d?.state === DAE_STATE.DOWNLOAD_FAILED ? (d.reason ?? undefined) : undefined;
  }

  /** @internal The named property of the download as the manager last sent it. */
  prop(name: string): unknown {
    const value = this.#view.downloads.get(this.#id)?.props[name];
    if (value === undefined || value === null) return undefined;
    return DATE_PROPERTIES.has(name) ? new Date(String(value)) : value;
  }

  /** HbbTV: setting it flags the download for automatic deletion (sent to the manager). */
  setFlaggedForDeletion(value: boolean): void {
    const d = this.#view.downloads.get(this.#id);
    if (d === undefined || this.#view.profile !== 'hbbtv') return;
    this.#view.downloads.set(this.#id, { ...d, props: { ...d.props, flaggedForDeletion: Boolean(value) } });
    this.#view.call({ method: 'flagForDeletion', args: { download: this.#id, value: Boolean(value) } }, true);
  }
}
for (const [name, value] of Object.entries(DAE_STATE)) {
  Object.defineProperty(PageDownload.prototype, name, { value, enumerable: true });
}
for (const name of WIRE_DOWNLOAD_PROPERTIES) {
  Object.defineProperty(PageDownload.prototype, name, {
    get(this: PageDownload) {
      return this.prop(name);
    },
    ...(name === 'flaggedForDeletion'
      ? {
          set(this: PageDownload, value: boolean) {
            this.setFlaggedForDeletion(value);
          },
        }
      : {}),
    enumerable: true,
    configurable: false,
  });
}

/** A DAE `DownloadCollection`: `length`, `item(i)` and `[i]`. */
export class PageDownloadCollection {
  readonly length: number;
  readonly [index: number]: PageDownload;

  constructor(items: readonly PageDownload[]) {
    this.length = items.length;
    items.forEach((item, i) => {
      Object.defineProperty(this, i, { value: item, enumerable: true });
    });
  }

  /** The download at `index`, or undefined. */
  item(index: number): PageDownload | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.length ? this[index] : undefined;
  }
}

/** The `DownloadStateChange` DOM event: no bubbling, not cancellable; item, state, reason (DAE-EVT-2). */
export class DownloadStateChangeEvent extends Event {
  readonly item: PageDownload;
  readonly state: DaeState;
  readonly reason: DaeReason | undefined;

  constructor(item: PageDownload, state: DaeState, reason: DaeReason | undefined) {
    super('DownloadStateChange', { bubbles: false, cancelable: false, composed: false });
    this.item = item;
    this.state = state;
    this.reason = reason;
  }
}

/** One Download object per id in the page, so an event's `item` is the object a list returned. */
export class DownloadObjects {
  readonly #objects = new Map<string, PageDownload>();
  constructor(readonly view: PageView) {}
  get(id: string): PageDownload {
    let object = this.#objects.get(id);
    if (object === undefined) {
      object = new PageDownload(this.view, id);
      this.#objects.set(id, object);
    }
    return object;
  }
  collection(downloads: readonly WireDownload[]): PageDownloadCollection {
    return new PageDownloadCollection(downloads.map((d) => this.get(d.id)));
  }
}

const RESERVE_CONSTANTS = Object.entries(RESERVE);

/** The members a profile may drop, with their implementation. */
const OPTIONAL_MEMBERS: readonly DaeMember[] = [
  'discInfo',
  'pause',
  'resume',
  'getDownloads',
  'updateRegisteredDownload',
];

/** `application/oipfDownloadManager` in the page: a real EventTarget whose events never bubble or capture. */
export class PageDownloadManager extends EventTarget {
  onDownloadStateChange:
    | ((item: PageDownload, state: DaeState, reason: DaeReason | undefined) => void)
    | null = null;
  readonly #view: PageView;
  readonly #objects: DownloadObjects;

  constructor(view: PageView, objects: DownloadObjects) {
    super();
    this.#view = view;
    this.#objects = objects;
    for (const [name, value] of RESERVE_CONSTANTS)
      Object.defineProperty(this, name, { value, enumerable: true });
    const implementations: Record<string, PropertyDescriptor> = {
      discInfo: { get: () => this.#view.summary?.discInfo },
      pause: { value: (d: unknown) => this.#decided('pause', d) },
      resume: { value: (d: unknown) => this.#decided('resume', d) },
      getDownloads: { value: (id?: string | null) => this.#getDownloads(id) },
      updateRegisteredDownload: {
        value: (d: unknown, url: string) => this.#decided('updateRegisteredDownload', d, url),
      },
    };
    // HBB-PROFILE-1: a member the profile drops is not defined at all.
    for (const member of OPTIONAL_MEMBERS) {
      if (isMemberAvailable(view.profile, member))
        Object.defineProperty(this, member, { ...implementations[member], enumerable: true });
    }
    view.sinks.add(this);
  }

  /** DAE-EVT-2: `useCapture` is ignored (events are dispatched at this object only). */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    const rest = typeof options === 'object' && options !== null ? { ...options, capture: false } : undefined;
    super.addEventListener(type, listener, rest);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    super.removeEventListener(type, listener);
  }

  /** @internal onDownloadStateChange, then the DownloadStateChange event (DAE-EVT-1, DAE-EVT-2). */
  deliver(id: string, state: DaeState, reason: DaeReason | undefined): void {
    const item = this.#objects.get(id);
    try {
      this.onDownloadStateChange?.(item, state, reason);
    } finally {
      this.dispatchEvent(new DownloadStateChangeEvent(item, state, reason));
    }
  }

  #decided(method: AppViewMethod, download: unknown, newURL?: string): boolean {
    const scope = this.#view.scope();
    const id = PageDownload.idOf(download);
    if (scope === undefined) return false;
    const decided = decideOnView(scope, method, this.#view.decisionView(id), newURL);
    if (!decided || id === undefined) return decided;
    const args =
      method === 'updateRegisteredDownload' ? { download: id, url: String(newURL) } : { download: id };
    this.#view.call({ method, args } as never, decided);
    if (method === 'pause') this.#view.predict(id, 'APP.PAUSE');
    if (method === 'resume') this.#view.predict(id, 'APP.RESUME');
    if (method === 'remove') this.#view.predict(id, 'APP.REMOVE');
    return decided;
  }

  #getDownloads(id?: string | null): PageDownloadCollection | null {
    const app = this.#view.app;
    if (app === null) return new PageDownloadCollection([]);
    const scope = {
      id: app.id,
      origin: app.origin,
      permissions: app.permissions,
      manageDownloads: app.manageDownloads,
    };
    const found = getDownloads(
      scope,
      [...this.#view.downloads.values()],
      id === undefined || id === null ? id : String(id),
    );
    return found === null ? null : this.#objects.collection(found);
  }

  /** remove(download) (DAE-REMOVE-1); the object's properties become undefined at once (DAE-REMOVE-2). */
  remove(download: unknown): boolean {
    return this.#decided('remove', download);
  }

  /** createFilteredList(currentDomain, states) (DAE-FILTER-1…4). */
  createFilteredList(currentDomain: boolean | undefined, states: number): PageDownloadCollection {
    const scope = this.#view.scope();
    if (scope === undefined) return new PageDownloadCollection([]);
    const list = createFilteredList(
      scope.app,
      [...this.#view.downloads.values()],
      currentDomain,
      Number(states),
    );
    return this.#objects.collection(list);
  }

  /** reserve(bytes): a RESERVE_* value decided on the organisation's facts; the manager applies it. */
  reserve(bytes: number): number {
    const facts = this.#view.summary?.reserve;
    if (facts === undefined) return RESERVE.RESERVE_UNKNOWN;
    const decided = decideReserveOnFacts(facts, Number(bytes));
    this.#view.call({ method: 'reserve', args: { bytes: Number(bytes) } }, decided);
    const summary = this.#view.summary;
    if (decided === RESERVE.RESERVE_OK && summary !== null) {
      // The page's facts take the reservation at once, as the manager's do, so the next call (a shrink) is
      // decided against it; the manager's next summary replaces them.
      const { reservedBytes: _old, ...rest } = facts;
      const reserve = Number(bytes) === 0 ? rest : { ...rest, reservedBytes: Number(bytes) };
      this.#view.summary = { ...summary, reserve };
    }
    return decided;
  }

  /** The organisation's reservation in MB, else -1 (DAE-PROP-1). */
  get hasReserved(): number {
    return this.#view.summary?.hasReserved ?? -1;
  }

  /** The part of the reservation in use, in MB, else -1 (DAE-PROP-1). */
  get allocated(): number {
    return this.#view.summary?.allocated ?? -1;
  }
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** `application/oipfDownloadTrigger` in the page. */
export class PageDownloadTrigger {
  readonly #view: PageView;

  constructor(view: PageView) {
    this.#view = view;
  }

  #show(id: string, url: string, contentType: string, priority: number): void {
    const app = this.#view.scope()?.app;
    if (app === undefined) return;
    const base = registeredOnView(app, { downloadId: id, contentType });
    this.#view.downloads.set(id, {
      ...base,
      props: { contentURL: url, amountDownloaded: 0, priority, transferType: 'full_download' },
    });
  }

  /** registerDownloadURL(URL, contentType, downloadStart, priority): the id at once, or undefined when refused. */
  registerDownloadURL(
    URL: string,
    contentType: string,
    downloadStart?: Date | null,
    priority?: number,
  ): string | undefined {
    if (this.#view.scope() === undefined) return undefined;
    const id = newId();
    const url = String(URL ?? '');
    const type = String(contentType ?? '');
    const decided = decideRegisterOnView(this.#view.downloads, { downloadId: id, url });
    if (decided === undefined) return undefined;
    const prio = Number.isFinite(Number(priority)) ? Number(priority) : 0;
    this.#view.call(
      {
        method: 'registerDownloadURL',
        args: {
          id,
          url,
          contentType: type,
          downloadStart: validDate(downloadStart) ? downloadStart.toISOString() : null,
          priority: priority === undefined ? null : prio,
        },
      },
      decided,
    );
    this.#show(id, url, type, prio);
    return decided;
  }

  /** registerDownload(cadd, downloadStart): one download per ContentItem; the first id, or undefined when rejected. */
  registerDownload(contentAccessDownloadDescriptor: string, downloadStart?: Date | null): string | undefined {
    if (this.#view.scope() === undefined) return undefined;
    const cadd = String(contentAccessDownloadDescriptor ?? '');
    const parsed = parseCadd(cadd);
    if (!parsed.ok) return undefined;
    const ids = parsed.items.map(() => newId());
    this.#view.call(
      {
        method: 'registerDownload',
        args: { ids, cadd, downloadStart: validDate(downloadStart) ? downloadStart.toISOString() : null },
      },
      ids[0],
    );
    parsed.items.forEach((item, i) => {
      this.#show(ids[i]!, item.contentURL, 'application/octet-stream', 0);
    });
    return ids[0];
  }

  /** checkDownloadPossible(sizeInBytes): within what the manager said the organisation may use now. */
  checkDownloadPossible(sizeInBytes: number): boolean {
    const n = Number(sizeInBytes);
    const limit = this.#view.summary?.possibleBytes ?? -1;
    return Number.isSafeInteger(n) && n >= 0 && n <= limit;
  }
}
