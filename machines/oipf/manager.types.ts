/**
 * Types of the OIPF DAE download-manager machine (the OITF side): its input and context (the
 * downloads as plain data, reservations, storage), the events applications and adapters send, the
 * effects it requests (each tagged with the download id) and the notifications it emits.
 *
 * @module
 */
import type { ManageDownloads, Permission, Profile, ReserveResult } from './constants.js';
import type {
  DaeDownloadRemoved,
  DaeStateChanged,
  DownloadData,
  DownloadTimerName,
  TransferFailureKind,
} from './download.types.js';
import type { DownloadIndex } from './manager.index.js';

/**
 * Timers the manager requests: a download's own `retry` back-off, and `start`, the application's requested
 * start time (`downloadStart`) before which a registered download stays queued (ours: honoured).
 */
export type ManagerTimerName = DownloadTimerName | 'start';

/** The calling application, as the DAE object adapter knows it from the running application. */
export interface DaeCaller {
  /** The application id (the initiator of its downloads). */
  readonly appId: string;
  /** The FQDN of the calling document. */
  readonly origin: string;
  /** The organisation id (reservations are per organisation). */
  readonly orgId: string;
  /** The download-manager permissions the application holds (DAE 10.1.4). */
  readonly permissions: readonly Permission[];
}

/** One download the manager owns: who registered it, and its lifecycle as plain data (value + context). */
export interface ManagedDownload extends DownloadData {
  /** The Download.id (same as `context.id`). */
  readonly id: string;
  /** The application that registered it. */
  readonly appId: string;
  /** The FQDN of the document that registered it. */
  readonly origin: string;
  /** The organisation of that application. */
  readonly orgId: string;
  /** The content type given to registerDownloadURL. */
  readonly contentType: string;
  /** True while its Content Access Download Descriptor is not yet fetched and parsed (DAE-GET-2). */
  readonly descriptorPending: boolean;
  /** True while its requested start time (`downloadStart`) has not come: it stays queued. */
  readonly startPending?: boolean;
}

/** How the manager starts. */
export interface OipfManagerInput {
  /** The storage device size in bytes. */
  readonly capacityBytes: number;
  /** Which profile's object is exposed (HBB-PROFILE-1, HBB-FDP-1). @default 'oipf' */
  readonly profile?: Profile;
  /** How many transfers may be active (in progress or stalled) at once. @default 2 */
  readonly maxActive?: number;
  /** The `manageDownloads` capability value (DAE-CAP-1, DAE-GET-1). @default 'all' */
  readonly manageDownloads?: ManageDownloads;
  /** Organisations whose reservations will never succeed (RESERVE_NEVER). @default [] */
  readonly reserveNever?: readonly string[];
  /** Downloads restored from persistence, in registration order. @default [] */
  readonly downloads?: readonly ManagedDownload[];
  /** Reservations restored from persistence: organisation id → bytes. @default {} */
  readonly reservations?: Readonly<Record<string, number>>;
}

/** A DAE method whose return value the machine decides. */
export type DecidedMethod =
  | 'registerDownloadURL'
  | 'pause'
  | 'resume'
  | 'updateRegisteredDownload'
  | 'remove'
  | 'reserve';

/** The return value of the last application call, recorded so the synchronous API and the machine can be compared. */
export type LastResult =
  | {
      readonly method: 'registerDownloadURL';
      readonly downloadId: string;
      readonly value: string | undefined;
    }
  | {
      readonly method: 'pause' | 'resume' | 'updateRegisteredDownload' | 'remove';
      readonly downloadId: string;
      readonly value: boolean;
    }
  | { readonly method: 'reserve'; readonly orgId: string; readonly value: ReserveResult };

/**
 * The manager's context: immutable values only. The downloads are an index (manager.index.ts) that
 * shares structure between snapshots; the adapter persists each changed entry, and restores them as
 * `input.downloads`.
 */
export interface OipfManagerContext {
  readonly profile: Profile;
  readonly capacityBytes: number;
  readonly maxActive: number;
  readonly manageDownloads: ManageDownloads;
  readonly reserveNever: readonly string[];
  /** Every live download by id, in registration order, with the startable and active ones by priority (removed ones are dropped). */
  readonly downloads: DownloadIndex;
  /** Organisation id → reserved bytes (absent: no reservation). */
  readonly reservations: Readonly<Record<string, number>>;
  /** The return value of the last application call. */
  readonly lastResult: LastResult | undefined;
}

/** Arguments of a call that names a download. */
export interface DownloadCall {
  readonly downloadId: string;
  readonly caller: DaeCaller;
}

/** Arguments of registerDownloadURL (the id is assigned by the adapter and comes in the event). */
export interface RegisterCall extends DownloadCall {
  readonly url: string;
  readonly contentType: string;
  /** HbbTV A.2.19 priority; a larger number is a higher priority. @default 0 */
  readonly priority?: number;
  readonly totalSize?: number;
  /**
   * Milliseconds until the application's `downloadStart`, computed by the adapter (the machine reads no clock);
   * above 0 the download stays queued (16) until TIMER.FIRED `start`. @default 0
   */
  readonly startDelayMs?: number;
}

/** Every event the manager reacts to. */
export type OipfManagerEvent =
  | ({ readonly type: 'APP.REGISTER' } & RegisterCall)
  | ({ readonly type: 'APP.PAUSE' } & DownloadCall)
  | ({ readonly type: 'APP.RESUME' } & DownloadCall)
  | ({ readonly type: 'APP.UPDATE_URL'; readonly url: string } & DownloadCall)
  | ({ readonly type: 'APP.REMOVE' } & DownloadCall)
  | { readonly type: 'APP.RESERVE'; readonly caller: DaeCaller; readonly bytes: number }
  /** The OITF or the end-user changed a reservation (DAE-RESERVE-4); 0 cancels it. */
  | { readonly type: 'OITF.RESERVATION_CHANGED'; readonly orgId: string; readonly bytes: number }
  | {
      readonly type: 'DESCRIPTOR.PARSED';
      readonly downloadId: string;
      readonly url: string;
      readonly totalSize?: number;
    }
  | { readonly type: 'DESCRIPTOR.REJECTED'; readonly downloadId: string; readonly cause: string }
  | {
      readonly type: 'TRANSFER.HEADERS';
      readonly downloadId: string;
      readonly status: number;
      readonly etag?: string;
      readonly totalSize?: number;
    }
  | { readonly type: 'TRANSFER.PROGRESS'; readonly downloadId: string; readonly bytesDurable: number }
  | { readonly type: 'TRANSFER.COMPLETE'; readonly downloadId: string; readonly bytesDurable: number }
  | { readonly type: 'TRANSFER.VERIFIED'; readonly downloadId: string; readonly verification: number }
  | {
      readonly type: 'TRANSFER.CHECKSUM_MISMATCH';
      readonly downloadId: string;
      readonly verification: number;
    }
  | {
      readonly type: 'TRANSFER.VERIFY_ERROR';
      readonly downloadId: string;
      readonly verification: number;
      readonly cause: string;
    }
  | {
      readonly type: 'TRANSFER.FAILED';
      readonly downloadId: string;
      readonly kind: TransferFailureKind;
      readonly httpStatus?: number;
      readonly cause: string;
    }
  | { readonly type: 'TIMER.FIRED'; readonly downloadId: string; readonly name: ManagerTimerName }
  /** The storage adapter hit a full device while writing this download. */
  | { readonly type: 'STORAGE.EXHAUSTED'; readonly downloadId: string }
  | {
      readonly type: 'FDP.COMPLETED_WITH_ERRORS';
      readonly downloadId: string;
      readonly discardFileOnError: 0 | 1;
    };

/** Every effect the manager requests, by action name → params (the port): the download effects tagged with the download id. */
export interface OipfManagerEffects {
  /** Open an HTTP transfer of `url` from byte `fromByte` (a Range request when > 0), with If-Match when known. */
  startTransfer: {
    readonly downloadId: string;
    readonly url: string;
    readonly fromByte: number;
    readonly ifMatch: string | undefined;
  };
  /** Abort that download's transfer: close the request and socket; no more bytes (DAE-PAUSE-2). */
  stopTransfer: { readonly downloadId: string };
  /** Delete every byte and media content kept for that download. */
  deleteData: { readonly downloadId: string };
  /** Start (or restart) that download's named timer; answer TIMER.FIRED { downloadId, name } when it fires. */
  startTimer: { readonly downloadId: string; readonly name: ManagerTimerName; readonly ms: number };
  /** Cancel that download's named timer (no-op when it already fired). */
  cancelTimer: { readonly downloadId: string; readonly name: ManagerTimerName };
  /**
   * Check the stored content (checksum, length); answer TRANSFER.VERIFIED, TRANSFER.CHECKSUM_MISMATCH or (the
   * storage failed) TRANSFER.VERIFY_ERROR with the same `verification` generation.
   */
  verifyContent: { readonly downloadId: string; readonly bytes: number; readonly verification: number };
  /** Abort that download's verification `verification` (the checksum read stops, nothing is answered). */
  cancelVerification: { readonly downloadId: string; readonly verification: number };
  /** Fetch and parse the Content Access Download Descriptor at `url`; answer DESCRIPTOR.PARSED / REJECTED. */
  fetchDescriptor: { readonly downloadId: string; readonly url: string };
}

/** What an adapter implements to perform the manager's effects (wired with `machine.provide`). */
export type OipfManagerPort = {
  [K in keyof OipfManagerEffects]: (params: OipfManagerEffects[K]) => void;
};

/** One effect request the manager enqueues, in the order it happens. */
export type ManagerEffectRequest = {
  [K in keyof OipfManagerEffects]: { readonly type: K; readonly params: OipfManagerEffects[K] };
}[keyof OipfManagerEffects];

/** Every notification the manager emits: the children's, re-emitted in the order they happened (DAE-EVT-1). */
export type OipfManagerEmitted = DaeStateChanged | DaeDownloadRemoved;

/** One output of a manager step: an effect to request or a notification to emit. */
export type ManagerOutput =
  | { readonly kind: 'effect'; readonly effect: ManagerEffectRequest }
  | { readonly kind: 'emit'; readonly event: OipfManagerEmitted };

/** A pure manager step: the next context and its outputs, in order. */
export interface ManagerStep {
  readonly context: OipfManagerContext;
  readonly out: readonly ManagerOutput[];
}
