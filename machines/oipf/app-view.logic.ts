/**
 * Decisions on one application's view of the download manager (pure): what a DAE object that is not
 * inside the manager process — the page runtime of `dlstate manager serve-dae` — returns at once from
 * the downloads its application may see, and which state it shows until the manager's event arrives.
 * Each decision composes the same pure functions the manager machine's `decide*` functions use
 * (isMemberAvailable, mayTouch, canPause/canResume/canUpdate/canRemove, the scope rules), so the page
 * and the manager cannot disagree on a download both see; `app-view.logic.test.ts` checks that they agree.
 *
 * @module
 */
import { transition } from 'xstate';
import {
  CADD_CONTENT_TYPE,
  DAE_STATE,
  type DaeMember,
  type DaeReason,
  type DaeState,
  type Profile,
} from './constants.js';
import {
  canPause,
  canRemove,
  canResume,
  canUpdate,
  daeStateOf,
  failedSubstateFor,
} from './download.logic.js';
import { oipfDownloadMachine } from './download.machine.js';
import type { DownloadStateValue, OipfDownloadEvent } from './download.types.js';
import { isMemberAvailable } from './manager.logic.js';
import { mayTouch, type ScopeApp } from './scope.js';

/** A download as an application's view holds it: who initiated it, its DAE state. */
export interface AppViewDownload {
  readonly id: string;
  readonly appId: string;
  readonly origin: string;
  readonly state: DaeState;
  readonly reason: DaeReason | undefined;
  readonly descriptorPending: boolean;
}

/** The application and the OITF's profile, as the page knows them. */
export interface AppViewScope {
  readonly app: ScopeApp;
  readonly profile: Profile;
}

/** The DAE methods whose boolean return value is decided on a download. */
export type AppViewMethod = 'pause' | 'resume' | 'remove' | 'updateRegisteredDownload';

const CAN: Readonly<Record<AppViewMethod, (state: DaeState | undefined) => boolean>> = Object.freeze({
  pause: canPause,
  resume: canResume,
  remove: canRemove,
  updateRegisteredDownload: canUpdate,
});

/**
 * The return value of pause/resume/remove/updateRegisteredDownload on a download of the view (undefined:
 * unknown, removed, or a value that is no Download): the member exists in the profile, the application may
 * touch the download, and its state allows the call — the composition of decidePause/decideResume/
 * decideRemove/decideUpdate.
 * @see DAE-PAUSE-1 @see DAE-PAUSE-3 @see DAE-RESUME-1 @see DAE-REMOVE-1 @see DAE-REMOVE-2 @see DAE-UPDATE-5 @see HBB-PROFILE-1
 */
export function decideOnView(
  scope: AppViewScope,
  method: AppViewMethod,
  download: AppViewDownload | undefined,
  newURL?: string,
): boolean {
  if (!isMemberAvailable(scope.profile, method as DaeMember)) return false;
  if (method === 'updateRegisteredDownload' && (newURL ?? '') === '') return false;
  if (download === undefined || !mayTouch(scope.app, download)) return false;
  return CAN[method](download.state);
}

/**
 * The id registerDownloadURL returns for an id the page chose: refused (undefined) for an empty URL or an
 * id the view already holds — decideRegister's rule.
 * @see DAE-STATE-1
 */
export function decideRegisterOnView(
  downloads: ReadonlyMap<string, AppViewDownload>,
  call: { readonly downloadId: string; readonly url: string },
): string | undefined {
  return call.url === '' || downloads.has(call.downloadId) ? undefined : call.downloadId;
}

/** The download a registration shows until the manager's first event: queued (16), its descriptor pending for a CADD URL. */
export function registeredOnView(
  app: ScopeApp,
  call: { readonly downloadId: string; readonly contentType: string },
): AppViewDownload {
  return {
    id: call.downloadId,
    appId: app.id,
    origin: app.origin,
    state: DAE_STATE.DOWNLOAD_NOT_STARTED,
    reason: undefined,
    descriptorPending: call.contentType === CADD_CONTENT_TYPE,
  };
}

/** The download machine's state value for a DAE state (and reason): enough to step it with an application event. */
function stateValueOf(state: DaeState, reason: DaeReason | undefined): DownloadStateValue {
  switch (state) {
    case DAE_STATE.DOWNLOAD_IN_PROGRESS:
      return { inProgress: 'transferring' };
    case DAE_STATE.DOWNLOAD_PAUSED:
      return { paused: 'byApp' };
    case DAE_STATE.DOWNLOAD_STALLED:
      return { stalled: 'waiting' };
    case DAE_STATE.DOWNLOAD_COMPLETED:
      return 'completed';
    case DAE_STATE.DOWNLOAD_FAILED:
      return { failed: failedSubstateFor(reason ?? 4) };
    default:
      return 'queued';
  }
}

/**
 * The DAE state the view shows after an application call it answered true, until the manager's event says
 * otherwise: the download machine stepped with that event from the download's state (undefined: removed).
 * A resume is stepped without a free slot (queued, 16): only the manager knows its slots (DAE-RESUME-1).
 * @see DAE-PAUSE-1 @see DAE-RESUME-1 @see DAE-REMOVE-2
 */
export function stateAfterOnView(
  download: AppViewDownload,
  event: Extract<OipfDownloadEvent, { type: 'APP.PAUSE' | 'APP.RESUME' | 'APP.REMOVE' }>,
): DaeState | undefined {
  const snapshot = oipfDownloadMachine.resolveState({
    value: stateValueOf(download.state, download.reason),
    context: {
      id: download.id,
      url: 'about:blank',
      totalSize: undefined,
      bytesReceived: 0,
      etag: undefined,
      priority: 0,
      stallAttempts: 0,
      profile: 'oipf',
      contentComplete: false,
      verification: 0,
    },
  });
  const [next] = transition(oipfDownloadMachine, snapshot, event);
  return daeStateOf(next);
}

export { decideReserveOnFacts, type ReserveFacts } from './manager.storage.js';
