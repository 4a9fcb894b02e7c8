/**
 * Types of the OIPF DAE download lifecycle machine (one actor per download): its input, context,
 * events, the effects it requests (these are the port an adapter implements) and the notifications
 * it emits.
 *
 * @module
 */
import type { DaeReason, DaeState, Profile } from './constants.js';

/** How a download machine starts: a new registration, or one restored from persistence. */
export interface OipfDownloadInput {
  /** The Download.id, assigned by the manager (never random inside a machine). */
  readonly id: string;
  /** Where the content is retrieved from (DAE-UPDATE-1 may change it). */
  readonly url: string;
  /** A larger number is a higher priority. @default 0 */
  readonly priority?: number | undefined;
  /** The total size in bytes, when known from the registration or descriptor. */
  readonly totalSize?: number | undefined;
  /** The profile whose rules apply (HBB-FDP-1 in 'hbbtv'). @default 'oipf' */
  readonly profile?: Profile | undefined;
  /** Bytes durably on disk already (restoring a persisted download). @default 0 */
  readonly bytesReceived?: number | undefined;
  /** The validator of the object being downloaded, when known. */
  readonly etag?: string | undefined;
}

/**
 * The context of one download. There is deliberately no `reason` field: the failure reason is the
 * sub-state of `failed` (see `reasonOf` in download.logic.ts), so it cannot exist outside state 8
 * (DAE-STATE-2) by construction.
 */
export interface OipfDownloadContext {
  /** The Download.id. */
  readonly id: string;
  /** The URL every later retrieval uses (DAE-UPDATE-1). */
  readonly url: string;
  /** Total size in bytes, once known. */
  readonly totalSize: number | undefined;
  /** Bytes durably on disk: the resume offset (never a received-bytes counter). */
  readonly bytesReceived: number;
  /** The ETag of the object being downloaded; sent as If-Match so a changed object fails instead of corrupting. */
  readonly etag: string | undefined;
  /** A larger number is a higher priority. */
  readonly priority: number;
  /** Retries made in the current stalled (32) episode. */
  readonly stallAttempts: number;
  /** The profile whose rules apply. */
  readonly profile: Profile;
  /**
   * Every byte of the object is durably kept (its body ended at the known size): a resume re-runs only the
   * verification, never a transfer (DAE-PAUSE-2 editor's note). Cleared when the bytes are discarded.
   */
  readonly contentComplete: boolean;
  /** Generation of the latest verifyContent requested: a result carrying another one is stale and ignored. */
  readonly verification: number;
}

/** Whether a transfer failure is worth retrying (stalled, 32) or final (failed, 8). */
export type TransferFailureKind = 'transient' | 'permanent';

/** Name of the only timer the download machine uses: the stalled back-off. */
export type DownloadTimerName = 'retry';

/** Every event the download machine reacts to. */
export type OipfDownloadEvent =
  /** The manager gives the download a transfer slot (queued → 2, or an OITF-paused one resumes). */
  | { readonly type: 'SCHEDULER.START' }
  /** The manager takes the slot away for a higher-priority download (DAE-PRIO-1). */
  | { readonly type: 'SCHEDULER.PREEMPT' }
  /** An application called pause(). */
  | { readonly type: 'APP.PAUSE' }
  /** An application called resume(); `slotAvailable` says whether it may transfer at once. */
  | { readonly type: 'APP.RESUME'; readonly slotAvailable: boolean }
  /** An application called updateRegisteredDownload(); `slotAvailable` matters only from failed (8). */
  | { readonly type: 'APP.UPDATE_URL'; readonly url: string; readonly slotAvailable: boolean }
  /** An application called remove(). */
  | { readonly type: 'APP.REMOVE' }
  /** The Content Access Download Descriptor was fetched and parsed (DAE-GET-2). */
  | { readonly type: 'DESCRIPTOR.PARSED'; readonly url: string; readonly totalSize?: number }
  /** The Content Access Download Descriptor was rejected: failed with reason 4. */
  | { readonly type: 'DESCRIPTOR.REJECTED'; readonly cause: string }
  /** The response to startTransfer began (any HTTP status; the machine decides). */
  | {
      readonly type: 'TRANSFER.HEADERS';
      readonly status: number;
      readonly etag?: string;
      readonly totalSize?: number;
    }
  /** More bytes are durably on disk. */
  | { readonly type: 'TRANSFER.PROGRESS'; readonly bytesDurable: number }
  /**
   * The body ended with `bytesDurable` bytes written. The performer may send it before their final fdatasync ends,
   * but then nothing durable may depend on them first: not the move the verification makes, not a durable record
   * of the count.
   */
  | { readonly type: 'TRANSFER.COMPLETE'; readonly bytesDurable: number }
  /** verifyContent (of generation `verification`) found the content valid. */
  | { readonly type: 'TRANSFER.VERIFIED'; readonly verification: number }
  /** verifyContent (of generation `verification`) found a bad checksum. */
  | { readonly type: 'TRANSFER.CHECKSUM_MISMATCH'; readonly verification: number }
  /**
   * verifyContent (of generation `verification`) could not check or keep the content: the storage failed (an I/O
   * error reading, moving or syncing it), so nothing is known about it.
   */
  | { readonly type: 'TRANSFER.VERIFY_ERROR'; readonly verification: number; readonly cause: string }
  /** The transfer failed without a usable response (or the adapter classified one). */
  | {
      readonly type: 'TRANSFER.FAILED';
      readonly kind: TransferFailureKind;
      readonly httpStatus?: number;
      readonly cause: string;
    }
  /** A timer requested with startTimer fired. */
  | { readonly type: 'TIMER.FIRED'; readonly name: DownloadTimerName }
  /** The manager found the download would exceed its organisation's reservation or the free space. */
  | { readonly type: 'STORAGE.EXHAUSTED' }
  /** An FDP (broadcast) download completed with errors (HBB-FDP-1). */
  | { readonly type: 'FDP.COMPLETED_WITH_ERRORS'; readonly discardFileOnError: 0 | 1 };

/** Every effect the download machine requests, by action name → params (the port). */
export interface OipfDownloadEffects {
  /** Open an HTTP transfer of `url` from byte `fromByte` (a Range request when > 0), with If-Match when known. */
  startTransfer: { readonly url: string; readonly fromByte: number; readonly ifMatch: string | undefined };
  /** Abort the current transfer: close the request and socket; no more bytes (DAE-PAUSE-2). */
  stopTransfer: Record<string, never>;
  /** Delete every byte and media content kept for this download. */
  deleteData: Record<string, never>;
  /** Start (or restart) a named timer; the adapter sends TIMER.FIRED when it fires. */
  startTimer: { readonly name: DownloadTimerName; readonly ms: number };
  /** Cancel a named timer (no-op when it already fired). */
  cancelTimer: { readonly name: DownloadTimerName };
  /**
   * Check the stored content (checksum, length); answer TRANSFER.VERIFIED, TRANSFER.CHECKSUM_MISMATCH or (the
   * storage failed) TRANSFER.VERIFY_ERROR carrying the same `verification` generation.
   */
  verifyContent: { readonly bytes: number; readonly verification: number };
  /** Abort verification `verification` (its checksum read stops; it answers nothing); no-op when it already ended. */
  cancelVerification: { readonly verification: number };
}

/** What an adapter implements to perform the download machine's effects (wired with `machine.provide`). */
export type OipfDownloadPort = {
  [K in keyof OipfDownloadEffects]: (params: OipfDownloadEffects[K]) => void;
};

/** The typed notification of one DAE state change (DAE-EVT-1): `reason` is defined only with state 8. */
export interface DaeStateChanged {
  readonly type: 'STATE_CHANGED';
  readonly id: string;
  readonly state: DaeState;
  readonly reason: DaeReason | undefined;
}

/** The notification that a download was removed: its Download object becomes all-undefined (DAE-REMOVE-2). */
export interface DaeDownloadRemoved {
  readonly type: 'REMOVED';
  readonly id: string;
}

/** Every notification the download machine emits (via xstate `emit`). */
export type OipfDownloadEmitted = DaeStateChanged | DaeDownloadRemoved;

/** The output of the `removed` final state. */
export interface OipfDownloadOutput {
  readonly id: string;
  readonly removed: true;
}

/** Sub-states of `failed`, one per reason (the reason is the state, DAE-STATE-2). */
export type FailedSubstate = 'storageFull' | 'cannotDownload' | 'notAvailable' | 'invalid' | 'other';

/** The state value of a download machine snapshot (plain data, storable). */
export type DownloadStateValue =
  | 'queued'
  | { readonly inProgress: 'transferring' | 'verifying' }
  | { readonly paused: 'byApp' | 'byScheduler' }
  | { readonly stalled: 'waiting' | 'retrying' }
  | 'completed'
  | { readonly failed: FailedSubstate }
  | 'removed';

/** A download as plain data: its state value and context (what the manager keeps and persists). */
export interface DownloadData {
  readonly value: DownloadStateValue;
  readonly context: OipfDownloadContext;
}
