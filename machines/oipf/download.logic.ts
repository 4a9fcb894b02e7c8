/**
 * Pure decisions of the OIPF DAE download lifecycle: the DAE state and reason of a snapshot, the
 * return values of pause/resume/updateRegisteredDownload/remove, the HTTP status → reason mapping,
 * the stalled back-off. The download machine's guards call these, and so does the manager when it
 * computes a synchronous return value.
 *
 * @module
 */
import { DAE_REASON, DAE_STATE, type DaeReason, type DaeState, type Profile } from './constants.js';
import type { FailedSubstate, OipfDownloadContext, TransferFailureKind } from './download.types.js';

/** The stalled (32) back-off: delay in ms before retry n+1. Its length bounds the retries. */
export const STALL_BACKOFF_MS: readonly number[] = Object.freeze([1000, 2000, 4000, 8000, 16000]);

/** How many retries a stalled download makes before it fails with reason 4. */
export const MAX_STALL_RETRIES = STALL_BACKOFF_MS.length;

/** The failure reason each `failed` sub-state stands for (DAE-STATE-2): the reason IS the state. */
export const FAILED_SUBSTATE_REASON: Readonly<Record<FailedSubstate, DaeReason>> = Object.freeze({
  storageFull: DAE_REASON.STORAGE_FULL,
  cannotDownload: DAE_REASON.CANNOT_DOWNLOAD,
  notAvailable: DAE_REASON.NOT_AVAILABLE,
  invalid: DAE_REASON.BAD_CHECKSUM,
  other: DAE_REASON.OTHER,
});

/** The `failed` sub-state that stands for a reason. */
export function failedSubstateFor(reason: DaeReason): FailedSubstate {
  const entry = Object.entries(FAILED_SUBSTATE_REASON).find(([, r]) => r === reason);
  return (entry?.[0] ?? 'other') as FailedSubstate;
}

/** Anything with a state value: an xstate snapshot or a stored `DownloadData`. */
export interface HasStateValue {
  readonly value: unknown;
}

/** The top-level state of a state value (its first key when compound); no allocation, a list of 10 000 reads it. */
function topStateOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') for (const key in value) return key;
  return undefined;
}

/**
 * The DAE state (1/2/4/8/16/32) of a download snapshot, or undefined once removed (DAE-STATE-1): the
 * DAE state each top-level state of the download machine stands for (removed has none).
 * @see DAE-STATE-1
 */
export function daeStateOf(snapshot: HasStateValue): DaeState | undefined {
  switch (topStateOf(snapshot.value)) {
    case 'queued':
      return DAE_STATE.DOWNLOAD_NOT_STARTED;
    case 'inProgress':
      return DAE_STATE.DOWNLOAD_IN_PROGRESS;
    case 'paused':
      return DAE_STATE.DOWNLOAD_PAUSED;
    case 'stalled':
      return DAE_STATE.DOWNLOAD_STALLED;
    case 'completed':
      return DAE_STATE.DOWNLOAD_COMPLETED;
    case 'failed':
      return DAE_STATE.DOWNLOAD_FAILED;
    default:
      return undefined;
  }
}

/**
 * The failure reason of a download snapshot: derived from the `failed` sub-state, so it is
 * undefined in every other state by construction (DAE-STATE-2).
 * @see DAE-STATE-2
 */
export function reasonOf(snapshot: HasStateValue): DaeReason | undefined {
  const value = snapshot.value;
  if (value === null || typeof value !== 'object' || !('failed' in value)) return undefined;
  return FAILED_SUBSTATE_REASON[(value as { failed: FailedSubstate }).failed];
}

/**
 * Whether a download is paused by the OITF (pre-empted by a higher priority, DAE-PRIO-1) rather than by an
 * application: `Download.suspendedByTerminal`.
 * @see DAE-PRIO-1
 */
export function isPausedByTerminal(snapshot: HasStateValue): boolean {
  const value = snapshot.value;
  return (
    value !== null &&
    typeof value === 'object' &&
    'paused' in value &&
    (value as { paused: unknown }).paused === 'byScheduler'
  );
}

/**
 * Whether pause() returns true: in progress, queued, stalled (DAE-PAUSE-1) and — our decision —
 * already paused (no event); false for completed or failed (DAE-PAUSE-3) and removed.
 * @see DAE-PAUSE-1 @see DAE-PAUSE-3
 */
export function canPause(state: DaeState | undefined): boolean {
  return (
    state === DAE_STATE.DOWNLOAD_IN_PROGRESS ||
    state === DAE_STATE.DOWNLOAD_NOT_STARTED ||
    state === DAE_STATE.DOWNLOAD_STALLED ||
    state === DAE_STATE.DOWNLOAD_PAUSED
  );
}

/**
 * Whether resume() returns true: only a paused download (DAE-RESUME-1).
 * @see DAE-RESUME-1
 */
export function canResume(state: DaeState | undefined): boolean {
  return state === DAE_STATE.DOWNLOAD_PAUSED;
}

/**
 * Whether updateRegisteredDownload() returns true: every state but completed (DAE-UPDATE-5) and removed.
 * @see DAE-UPDATE-5
 */
export function canUpdate(state: DaeState | undefined): boolean {
  return state !== undefined && state !== DAE_STATE.DOWNLOAD_COMPLETED;
}

/**
 * Whether remove() returns true: the argument refers to a valid (not yet removed) download
 * (DAE-REMOVE-1, DAE-REMOVE-2).
 * @see DAE-REMOVE-1 @see DAE-REMOVE-2
 */
export function canRemove(state: DaeState | undefined): boolean {
  return state !== undefined;
}

/** What a transfer result leads to: keep going, restart from 0, stall (32) or fail with a reason (8). */
export type TransferOutcome = 'accept' | 'restart' | 'stall' | 'changed' | DaeReason;

/**
 * Maps an HTTP status of a failed retrieval to stall or a reason: 401/402/403 → 1 (not downloadable,
 * e.g. not purchased), 404/410 → 2 (no longer available), 412 → 'changed' (the object changed under
 * its If-Match: reason 2 and its bytes are discarded), 416 → 3 (bad length), 408/429/5xx → stall,
 * any other status → 4.
 * @see DAE-STATE-2
 */
export function outcomeOfStatus(status: number): TransferOutcome {
  if (status === 401 || status === 402 || status === 403) return DAE_REASON.CANNOT_DOWNLOAD;
  if (status === 404 || status === 410) return DAE_REASON.NOT_AVAILABLE;
  if (status === 412) return 'changed';
  if (status === 416) return DAE_REASON.BAD_CHECKSUM;
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'stall';
  return DAE_REASON.OTHER;
}

/**
 * What a TRANSFER.FAILED leads to: its HTTP status decides when there is one, else its kind
 * (transient → stall, permanent → reason 4).
 * @see DAE-STATE-1 @see DAE-STATE-2
 */
export function outcomeOfFailure(failure: {
  kind: TransferFailureKind;
  httpStatus?: number;
}): TransferOutcome {
  if (failure.httpStatus !== undefined) return outcomeOfStatus(failure.httpStatus);
  return failure.kind === 'transient' ? 'stall' : DAE_REASON.OTHER;
}

/**
 * What the headers of a transfer lead to. A changed ETag (or 412) means a changed object: it must
 * fail — reason 2, "no longer available", our choice — and never be appended to the kept bytes. A
 * different total size than the one known is reason 3 (bad length). A 200 to a resume means the
 * server ignored the range: restart from byte 0 rather than append a full body to a partial one.
 * @see DAE-STATE-2 @see DAE-UPDATE-2
 */
export function outcomeOfHeaders(
  context: Pick<OipfDownloadContext, 'etag' | 'totalSize' | 'bytesReceived'>,
  headers: { status: number; etag?: string; totalSize?: number },
): TransferOutcome {
  if (headers.status !== 200 && headers.status !== 206) return outcomeOfStatus(headers.status);
  if (context.etag !== undefined && headers.etag !== undefined && headers.etag !== context.etag)
    return 'changed';
  if (
    context.totalSize !== undefined &&
    headers.totalSize !== undefined &&
    headers.totalSize !== context.totalSize
  ) {
    return DAE_REASON.BAD_CHECKSUM;
  }
  if (headers.status === 200 && context.bytesReceived > 0) return 'restart';
  return 'accept';
}

/**
 * What the end of a body leads to: verification, or reason 3 when the length is not the known total.
 * @see DAE-STATE-2
 */
export function outcomeOfCompletion(
  context: Pick<OipfDownloadContext, 'totalSize'>,
  bytesDurable: number,
): 'verify' | DaeReason {
  if (context.totalSize !== undefined && bytesDurable !== context.totalSize) return DAE_REASON.BAD_CHECKSUM;
  return 'verify';
}

/**
 * Whether a verification result belongs to the verification the download waits for: a result of one
 * cancelled by pause() or a pre-emption (an earlier generation) is stale and ignored (DAE-PAUSE-2 editor's note).
 * @see DAE-PAUSE-2
 */
export function isCurrentVerification(
  context: Pick<OipfDownloadContext, 'verification'>,
  verification: number,
): boolean {
  return verification === context.verification;
}

/** Whether a stalled download may make one more retry. */
export function hasRetriesLeft(stallAttempts: number): boolean {
  return stallAttempts < MAX_STALL_RETRIES;
}

/** The back-off delay before the next retry of a stalled download (the last step repeats if asked beyond). */
export function retryDelayMs(stallAttempts: number): number {
  const last = STALL_BACKOFF_MS[STALL_BACKOFF_MS.length - 1] ?? 0;
  return STALL_BACKOFF_MS[stallAttempts] ?? last;
}

/**
 * Whether an FDP download completed with errors is reported completed (1): only in the HbbTV profile
 * and only when its discard_file_on_error_flag is 0 (HBB-FDP-1); otherwise it fails with reason 3.
 * @see HBB-FDP-1
 */
export function fdpReportsCompleted(profile: Profile, discardFileOnError: 0 | 1): boolean {
  return profile === 'hbbtv' && discardFileOnError === 0;
}
