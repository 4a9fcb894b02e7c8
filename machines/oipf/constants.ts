/**
 * The numbers of OIPF DAE 7.4.3/7.4.4 (download states, failure reasons, RESERVE_* results), the
 * permission names of 10.1.4, the `manageDownloads` capability values of 9.3.4 and the HbbTV profile
 * table. This is the only file in which these numbers are written; everything else derives from the
 * frozen tables below.
 *
 * Never share these enums with Android's DownloadManager, which uses 1/2/4/8/16 with other meanings.
 *
 * @module
 */

/** Download states of `Download.state` / `onDownloadStateChange` (DAE-STATE-1), keyed by the constant name seen on Download. */
export const DOWNLOAD_STATES = Object.freeze({
  DOWNLOAD_COMPLETED: Object.freeze({ value: 1, meaning: 'The download has completed successfully.' }),
  DOWNLOAD_IN_PROGRESS: Object.freeze({ value: 2, meaning: 'The download is in progress.' }),
  DOWNLOAD_PAUSED: Object.freeze({
    value: 4,
    meaning: 'The download has been paused (either by an application or automatically by the OITF).',
  }),
  DOWNLOAD_FAILED: Object.freeze({ value: 8, meaning: 'The download has failed.' }),
  DOWNLOAD_NOT_STARTED: Object.freeze({
    value: 16,
    meaning: 'The download has been queued but has not yet started.',
  }),
  DOWNLOAD_STALLED: Object.freeze({
    value: 32,
    meaning:
      'The download has stalled due to a transient failure and the Download Manager is attempting to recuperate and re-establish the download.',
  }),
} as const);

/** A download state constant name, e.g. 'DOWNLOAD_PAUSED'. */
export type DaeStateName = keyof typeof DOWNLOAD_STATES;
/** A DAE download state value: 1 | 2 | 4 | 8 | 16 | 32 (DAE-STATE-1). */
export type DaeState = (typeof DOWNLOAD_STATES)[DaeStateName]['value'];

/** Failure reasons, valid only with state 8 (DAE-STATE-2); names as seen in one implementation (the seed names none). */
export const FAILURE_REASONS = Object.freeze({
  STORAGE_FULL: Object.freeze({ value: 0, meaning: 'The local storage device is full.' }),
  CANNOT_DOWNLOAD: Object.freeze({
    value: 1,
    meaning: 'The item cannot be downloaded (e.g. because it has not been purchased).',
  }),
  NOT_AVAILABLE: Object.freeze({ value: 2, meaning: 'The item is no longer available for download.' }),
  BAD_CHECKSUM: Object.freeze({ value: 3, meaning: 'The item is invalid due to bad checksum or length.' }),
  OTHER: Object.freeze({ value: 4, meaning: 'Other reason.' }),
} as const);

/** A failure reason constant name, e.g. 'STORAGE_FULL'. */
export type DaeReasonName = keyof typeof FAILURE_REASONS;
/** A DAE failure reason value: 0 | 1 | 2 | 3 | 4 (DAE-STATE-2). */
export type DaeReason = (typeof FAILURE_REASONS)[DaeReasonName]['value'];

/**
 * The results of `reserve()` (DAE-RESERVE-7). The seed gives names but no numbers: ours are 0…6 in
 * the order the seed lists them (clauses.md decision).
 */
export const RESERVE_RESULTS = Object.freeze({
  RESERVE_OK: Object.freeze({ value: 0, meaning: 'Reservation succeeded.' }),
  RESERVE_NEVER: Object.freeze({
    value: 1,
    meaning: 'Reservations by the calling application will never succeed.',
  }),
  RESERVE_USER_INTERVENTION_REQD: Object.freeze({
    value: 2,
    meaning:
      'Reservation failed and user intervention is required (only with a platform storage UI; RESERVE_TOO_LARGE wins if both apply).',
  }),
  RESERVE_USER_DECLINED: Object.freeze({
    value: 3,
    meaning: 'Reservation failed as the user was asked to approve this request and declined.',
  }),
  RESERVE_TOO_LARGE: Object.freeze({
    value: 4,
    meaning: 'Reservation failed as the size requested was larger than what is permitted by the OITF.',
  }),
  RESERVE_SMALLER_THAN_USED: Object.freeze({
    value: 5,
    meaning:
      'Request to shrink an already existing reservation failed as the requested size is smaller than the space currently used from the reservation.',
  }),
  RESERVE_UNKNOWN: Object.freeze({ value: 6, meaning: 'Reservation failed for another reason.' }),
} as const);

/** A RESERVE_* constant name. */
export type ReserveResultName = keyof typeof RESERVE_RESULTS;
/** A RESERVE_* value: 0…6. */
export type ReserveResult = (typeof RESERVE_RESULTS)[ReserveResultName]['value'];

/** The download-manager permissions of DAE 10.1.4 and the scope each grants (widest wins; see scope.ts). */
export const PERMISSIONS = Object.freeze({
  permission_downloadmanager: Object.freeze({
    scope: 'own',
    meaning: 'Manage the downloads initiated by the calling application.',
  }),
  permission_downloadmanager_samedomain: Object.freeze({
    scope: 'samedomain',
    meaning: 'Manage the downloads initiated by applications from the same FQDN.',
  }),
  permission_downloadmanager_all: Object.freeze({
    scope: 'all',
    meaning: 'Manage the downloads of every domain.',
  }),
} as const);

/** A download-manager permission name. */
export type Permission = keyof typeof PERMISSIONS;
/** The scope a permission grants. */
export type PermissionScope = (typeof PERMISSIONS)[Permission]['scope'];

/**
 * The `manageDownloads` values of the `<download>` capability (DAE-CAP-1). The seed gives no value
 * set: ours is none | initiator | samedomain | all.
 */
export const MANAGE_DOWNLOADS_VALUES = Object.freeze({
  none: 'The download management APIs are not supported.',
  initiator: 'getDownloads returns the downloads of the calling application only.',
  samedomain: 'getDownloads returns the downloads initiated from the FQDN of the calling application.',
  all: 'getDownloads returns the downloads of every application.',
} as const);

/** A `manageDownloads` capability value. */
export type ManageDownloads = keyof typeof MANAGE_DOWNLOADS_VALUES;

/** The content type whose registration fetches a Content Access Download Descriptor first (DAE-GET-2). */
export const CADD_CONTENT_TYPE = 'application/vnd.oipf.ContentAccessDownload+xml';

/** Bytes per megabyte for `hasReserved`, `allocated` and `discInfo` (clauses.md decision: 1 MB = 1 048 576 bytes). */
export const BYTES_PER_MB = 1_048_576;

/** Members of the DAE download-manager objects a profile may remove. */
export type DaeMember =
  | 'discInfo'
  | 'hasReserved'
  | 'allocated'
  | 'pause'
  | 'resume'
  | 'remove'
  | 'getDownloads'
  | 'createFilteredList'
  | 'updateRegisteredDownload'
  | 'reserve'
  | 'registerDownloadURL';

/** The profiles the manager can run: plain OIPF DAE, or the HbbTV profile of it. */
export const PROFILES = Object.freeze({
  oipf: Object.freeze({ removed: Object.freeze([] as DaeMember[]) }),
  // HBB-PROFILE-1: "The discInfo property and the updateRegisteredDownload, pause, resume and
  // getDownloads method are not included."
  hbbtv: Object.freeze({
    removed: Object.freeze([
      'discInfo',
      'updateRegisteredDownload',
      'pause',
      'resume',
      'getDownloads',
    ] as DaeMember[]),
  }),
} as const);

/** A manager profile name. */
export type Profile = keyof typeof PROFILES;

/** Turns a `{ NAME: { value } }` table into `{ NAME: value }` so code reads the number by name. */
function valuesOf<T extends Record<string, { readonly value: number }>>(
  table: T,
): { readonly [K in keyof T]: T[K]['value'] } {
  return Object.freeze(Object.fromEntries(Object.entries(table).map(([name, row]) => [name, row.value]))) as {
    readonly [K in keyof T]: T[K]['value'];
  };
}

/** Download state values by name, e.g. `DAE_STATE.DOWNLOAD_PAUSED === 4`. */
export const DAE_STATE = valuesOf(DOWNLOAD_STATES);
/** Failure reason values by name, e.g. `DAE_REASON.STORAGE_FULL === 0`. */
export const DAE_REASON = valuesOf(FAILURE_REASONS);
/** RESERVE_* values by name, e.g. `RESERVE.RESERVE_OK === 0`. */
export const RESERVE = valuesOf(RESERVE_RESULTS);

/** Every DAE state value, ascending. */
export const DAE_STATE_VALUES: readonly DaeState[] = Object.freeze(
  Object.values(DAE_STATE).sort((a, b) => a - b),
);
/** Every DAE failure reason value, ascending. */
export const DAE_REASON_VALUES: readonly DaeReason[] = Object.freeze(
  Object.values(DAE_REASON).sort((a, b) => a - b),
);
