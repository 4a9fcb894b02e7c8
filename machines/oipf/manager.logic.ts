/**
 * Pure decisions of the OIPF DAE download manager: the return values of the synchronous DAE methods
 * (`decide*`, the same functions the manager machine's guards call), the profile's members, and the
 * read-only queries (discInfo, getDownloads, createFilteredList) an adapter answers from a snapshot.
 * Storage and reservations are in manager.storage.ts.
 *
 * @module
 */
import {
  BYTES_PER_MB,
  DAE_STATE_VALUES,
  type DaeMember,
  type DaeReason,
  type DaeState,
  type ManageDownloads,
  PROFILES,
  type Profile,
} from './constants.js';
import { canPause, canRemove, canResume, canUpdate, daeStateOf, reasonOf } from './download.logic.js';
import { bytesToMb, decideReserve, freeBytes } from './manager.storage.js';
import type {
  DaeCaller,
  DownloadCall,
  LastResult,
  ManagedDownload,
  OipfManagerContext,
  OipfManagerEvent,
  RegisterCall,
} from './manager.types.js';
import {
  filterNarrowing,
  getDownloads,
  mayTouch,
  narrowingAdmits,
  type ScopeApp,
  stateInSet,
  visibleNarrowing,
} from './scope.js';

/** The sum of every DAE state (1 + 2 + 4 + 8 + 16 + 32). */
const EVERY_DAE_STATE = DAE_STATE_VALUES.reduce((sum, state) => sum | state, 0);

/**
 * Whether a member of the DAE object exists in a profile (HbbTV removes discInfo,
 * updateRegisteredDownload, pause, resume and getDownloads — HBB-PROFILE-1).
 * @see HBB-PROFILE-1
 */
export function isMemberAvailable(profile: Profile, member: DaeMember): boolean {
  return !PROFILES[profile].removed.includes(member);
}

/** The scope rules' view of a caller, given the OITF's `manageDownloads` capability. */
export function appOf(caller: DaeCaller, manageDownloads: ManageDownloads): ScopeApp {
  return { id: caller.appId, origin: caller.origin, permissions: caller.permissions, manageDownloads };
}

/** The live download with this id, if any. */
export function findDownload(
  context: Pick<OipfManagerContext, 'downloads'>,
  id: string,
): ManagedDownload | undefined {
  return context.downloads.get(id);
}

/** The download with this id if the caller may touch it (DAE-SEC-1 scope), else undefined. */
function touchable(context: OipfManagerContext, call: DownloadCall): ManagedDownload | undefined {
  const download = findDownload(context, call.downloadId);
  if (download === undefined) return undefined;
  return mayTouch(appOf(call.caller, context.manageDownloads), download) ? download : undefined;
}

/** The DAE state of a download the caller may touch, or undefined (unknown, removed or out of scope). */
function touchableState(context: OipfManagerContext, call: DownloadCall): DaeState | undefined {
  const download = touchable(context, call);
  return download === undefined ? undefined : daeStateOf(download);
}

/**
 * The id registerDownloadURL returns, or undefined when refused: a duplicate id or an empty URL.
 * @see DAE-STATE-1
 */
export function decideRegister(context: OipfManagerContext, call: RegisterCall): string | undefined {
  if (call.url === '' || findDownload(context, call.downloadId) !== undefined) return undefined;
  return call.downloadId;
}

/**
 * pause()'s return value: the method exists in the profile, the caller may touch the download, and
 * its state allows it (DAE-PAUSE-1, DAE-PAUSE-3; true on an already-paused one).
 * @see DAE-PAUSE-1 @see DAE-PAUSE-3 @see HBB-PROFILE-1
 */
export function decidePause(context: OipfManagerContext, call: DownloadCall): boolean {
  return isMemberAvailable(context.profile, 'pause') && canPause(touchableState(context, call));
}

/**
 * resume()'s return value: true only for a paused download the caller may touch (DAE-RESUME-1).
 * @see DAE-RESUME-1 @see HBB-PROFILE-1
 */
export function decideResume(context: OipfManagerContext, call: DownloadCall): boolean {
  return isMemberAvailable(context.profile, 'resume') && canResume(touchableState(context, call));
}

/**
 * Whether a string is a URL the manager can retrieve from: absolute, http or https. Anything else leaves
 * updateRegisteredDownload nothing to act on (DAE-UPDATE-5, our reading).
 * @see DAE-UPDATE-5
 */
export function isRetrievableUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * updateRegisteredDownload()'s return value: true only when it can act — a download the caller may
 * touch, not completed (DAE-UPDATE-5), and a new URL it can retrieve from (absolute http/https).
 * @see DAE-UPDATE-5 @see HBB-PROFILE-1
 */
export function decideUpdate(
  context: OipfManagerContext,
  call: DownloadCall & { readonly url: string },
): boolean {
  return (
    isMemberAvailable(context.profile, 'updateRegisteredDownload') &&
    isRetrievableUrl(call.url) &&
    canUpdate(touchableState(context, call))
  );
}

/**
 * remove()'s return value: true for a valid download the caller may touch; false for an unknown or
 * already-removed one (DAE-REMOVE-1, DAE-REMOVE-2).
 * @see DAE-REMOVE-1 @see DAE-REMOVE-2
 */
export function decideRemove(context: OipfManagerContext, call: DownloadCall): boolean {
  return isMemberAvailable(context.profile, 'remove') && canRemove(touchableState(context, call));
}

/** The DiscInfo of DAE 7.16.4, in megabytes. */
export interface DiscInfo {
  readonly free: number;
  readonly total: number;
  readonly reserved: number;
}

/**
 * `discInfo` (DAE-PROP-2): free and total rounded down (never claim space that is not there),
 * reserved rounded up; undefined in the HbbTV profile, which removes it (HBB-PROFILE-1).
 * @see DAE-PROP-2 @see HBB-PROFILE-1
 */
export function discInfoOf(context: OipfManagerContext): DiscInfo | undefined {
  if (!isMemberAvailable(context.profile, 'discInfo')) return undefined;
  const reserved = Object.values(context.reservations).reduce((sum, r) => sum + r, 0);
  return {
    free: Math.floor(freeBytes(context) / BYTES_PER_MB),
    total: Math.floor(context.capacityBytes / BYTES_PER_MB),
    reserved: bytesToMb(reserved),
  };
}

/** What the DAE object adapter shows of one download (the Download properties the machines own). */
export interface DownloadView {
  readonly id: string;
  readonly appId: string;
  readonly origin: string;
  readonly orgId: string;
  readonly contentType: string;
  readonly descriptorPending: boolean;
  readonly state: DaeState;
  /** Defined only when state is 8 (DAE-STATE-2). */
  readonly reason: DaeReason | undefined;
  readonly url: string;
  readonly totalSize: number | undefined;
  readonly amountDownloaded: number;
  readonly priority: number;
}

/**
 * Views by entry: an entry is immutable, so its view is computed once (a cache, invisible to callers: the
 * function stays pure), and listing 10 000 downloads allocates nothing for the unchanged ones.
 */
const VIEWS = new WeakMap<ManagedDownload, DownloadView | undefined>();

/** The adapter-facing view of one download (undefined in no DAE state, which a live download never is). */
export function downloadView(d: ManagedDownload): DownloadView | undefined {
  if (VIEWS.has(d)) return VIEWS.get(d);
  const view = viewOf(d);
  VIEWS.set(d, view);
  return view;
}

function viewOf(d: ManagedDownload): DownloadView | undefined {
  const state = daeStateOf(d);
  if (state === undefined) return undefined;
  return {
    id: d.id,
    appId: d.appId,
    origin: d.origin,
    orgId: d.orgId,
    contentType: d.contentType,
    descriptorPending: d.descriptorPending,
    state,
    reason: reasonOf(d),
    url: d.context.url,
    totalSize: d.context.totalSize,
    amountDownloaded: d.context.bytesReceived,
    priority: d.context.priority,
  };
}

/** The adapter-facing view of every live download, in registration order. */
export function downloadViews(context: OipfManagerContext): DownloadView[] {
  const views: DownloadView[] = [];
  for (const d of context.downloads.values()) {
    const view = downloadView(d);
    if (view !== undefined) views.push(view);
  }
  return views;
}

/** Which downloads a list call admits, as a test on one entry (a getDownloads() or createFilteredList query). */
export type ListQuery = (download: ManagedDownload) => boolean;

const NOTHING: ListQuery = () => false;

/**
 * getDownloads() (no id) for a caller as a test on one entry: in the `manageDownloads` and permission
 * scopes, its descriptor parsed; undefined when the profile has no getDownloads (HBB-PROFILE-1).
 * @see DAE-GET-1 @see DAE-GET-2 @see DAE-GET-3 @see HBB-PROFILE-1
 */
export function getDownloadsQuery(context: OipfManagerContext, caller: DaeCaller): ListQuery | undefined {
  if (!isMemberAvailable(context.profile, 'getDownloads')) return undefined;
  const narrowing = visibleNarrowing(appOf(caller, context.manageDownloads));
  if (narrowing === null) return NOTHING;
  // Every entry of the index is in a DAE state (DownloadIndex.with refuses one that is not).
  return (d) => !d.descriptorPending && narrowingAdmits(narrowing, d);
}

/**
 * createFilteredList(currentDomain, states) for a caller as a test on one entry (DAE-FILTER-1…4).
 * @see DAE-FILTER-1 @see DAE-FILTER-2 @see DAE-FILTER-3 @see DAE-FILTER-4
 */
export function filteredListQuery(
  context: OipfManagerContext,
  caller: DaeCaller,
  currentDomain: boolean | undefined,
  states: number,
): ListQuery {
  const narrowing = filterNarrowing(appOf(caller, context.manageDownloads), currentDomain);
  if (narrowing === null) return NOTHING;
  // Every entry is in a DAE state: with every state in the set, the state need not be read.
  if ((states & EVERY_DAE_STATE) === EVERY_DAE_STATE) return (d) => narrowingAdmits(narrowing, d);
  return (d) => {
    const state = daeStateOf(d);
    return state !== undefined && stateInSet(state, states) && narrowingAdmits(narrowing, d);
  };
}

/** The views of the entries a query admits, in registration order. */
function viewsAdmitted(context: OipfManagerContext, query: ListQuery): DownloadView[] {
  const views: DownloadView[] = [];
  for (const d of context.downloads.values()) {
    const view = query(d) ? downloadView(d) : undefined;
    if (view !== undefined) views.push(view);
  }
  return views;
}

/**
 * getDownloads(id) for a caller: null for a CADD download not yet parsed (DAE-GET-2); undefined when
 * the profile has no getDownloads (HBB-PROFILE-1).
 * @see DAE-GET-1 @see DAE-GET-2 @see DAE-GET-3 @see HBB-PROFILE-1
 */
export function getDownloadsFor(
  context: OipfManagerContext,
  caller: DaeCaller,
  id?: string | null,
): DownloadView[] | null | undefined {
  const query = getDownloadsQuery(context, caller);
  if (query === undefined) return undefined;
  if (id === undefined || id === null) return viewsAdmitted(context, query);
  // With an id, only that entry can match: read it by id rather than building every view.
  const one = findDownload(context, id);
  const view = one && downloadView(one);
  return getDownloads(appOf(caller, context.manageDownloads), view === undefined ? [] : [view], id);
}

/**
 * createFilteredList(currentDomain, states) for a caller (DAE-FILTER-1…4).
 * @see DAE-FILTER-1 @see DAE-FILTER-2 @see DAE-FILTER-3 @see DAE-FILTER-4
 */
export function createFilteredListFor(
  context: OipfManagerContext,
  caller: DaeCaller,
  currentDomain: boolean | undefined,
  states: number,
): DownloadView[] {
  return viewsAdmitted(context, filteredListQuery(context, caller, currentDomain, states));
}

/**
 * The return value recorded for a refused application call (or one whose method the profile lacks):
 * undefined for registerDownloadURL, false for pause/resume/update/remove, the non-OK RESERVE_* for reserve.
 * @see HBB-RESERVE-1 @see HBB-PROFILE-1
 */
export function refusalOf(context: OipfManagerContext, event: OipfManagerEvent): LastResult | undefined {
  switch (event.type) {
    case 'APP.REGISTER':
      return { method: 'registerDownloadURL', downloadId: event.downloadId, value: undefined };
    case 'APP.PAUSE':
      return { method: 'pause', downloadId: event.downloadId, value: false };
    case 'APP.RESUME':
      return { method: 'resume', downloadId: event.downloadId, value: false };
    case 'APP.UPDATE_URL':
      return { method: 'updateRegisteredDownload', downloadId: event.downloadId, value: false };
    case 'APP.REMOVE':
      return { method: 'remove', downloadId: event.downloadId, value: false };
    case 'APP.RESERVE':
      return { method: 'reserve', orgId: event.caller.orgId, value: decideReserve(context, event) };
    default:
      return context.lastResult;
  }
}
