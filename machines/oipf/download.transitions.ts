/**
 * Transition groups the download chart repeats: the failures (one transition per reason, because
 * the reason is the `failed` sub-state) and the ways out of a stalled sub-state (each first releases
 * what that sub-state holds: the back-off timer or the retry transfer).
 *
 * @module
 */
import { DAE_REASON, DAE_STATE, type DaeReason } from './constants.js';
import { failedSubstateFor } from './download.logic.js';
import type { OipfDownloadContext } from './download.types.js';

/** The startTransfer request: the current URL, from the last durable byte, If-Match the known ETag (DAE-UPDATE-1/2/3). */
export const startTransfer = {
  type: 'startTransfer',
  params: ({ context }: { context: OipfDownloadContext }) => ({
    url: context.url,
    fromByte: context.bytesReceived,
    ifMatch: context.etag,
  }),
} as const;

/** The verifyContent request of the generation `beginVerification` just opened (DAE-PAUSE-2 editor's note). */
export const verifyContent = {
  type: 'verifyContent',
  params: ({ context }: { context: OipfDownloadContext }) => ({
    bytes: context.bytesReceived,
    verification: context.verification,
  }),
} as const;

/** Cancels the running verification: its checksum read stops and it answers nothing. */
export const cancelVerification = {
  type: 'cancelVerification',
  params: ({ context }: { context: OipfDownloadContext }) => ({ verification: context.verification }),
} as const;

/**
 * A download with every byte kept, given a slot again (resume(), or the OITF resuming a pre-empted one):
 * in progress (2) by verifying again, with no transfer — nothing is missing (DAE-PAUSE-2 editor's note).
 */
export const VERIFY_AGAIN = {
  target: '#oipfDownload.inProgress.verifying',
  actions: ['beginVerification', verifyContent],
} as const;

const stop = { type: 'stopTransfer', params: {} } as const;
const discard = [{ type: 'deleteData', params: {} }, 'forgetBytes'] as const;

function failTarget(reason: DaeReason): `#oipfDownload.failed.${ReturnType<typeof failedSubstateFor>}` {
  return `#oipfDownload.failed.${failedSubstateFor(reason)}`;
}

/** A changed object (changed ETag, 412): reason 2, and its kept bytes are discarded — it must fail, never corrupt. */
function changed<G extends 'headersGive' | 'failureGives'>(guard: G, stopFirst: boolean) {
  return {
    guard: { type: guard, params: { outcome: 'changed' } },
    target: failTarget(DAE_REASON.NOT_AVAILABLE),
    actions: stopFirst ? [stop, ...discard] : [...discard],
    meta: { clauses: ['DAE-STATE-2'] },
    description: 'the object changed (ETag differs, 412) → failed, reason 2; its bytes are discarded',
  } as const;
}

/** One transition per permanent reason an outcome guard can give. */
function reasons<G extends 'headersGive' | 'failureGives'>(guard: G, stopFirst: boolean) {
  const list = [
    DAE_REASON.CANNOT_DOWNLOAD,
    DAE_REASON.NOT_AVAILABLE,
    DAE_REASON.BAD_CHECKSUM,
    DAE_REASON.OTHER,
  ];
  return list.map(
    (reason) =>
      ({
        guard: { type: guard, params: { outcome: reason } },
        target: failTarget(reason),
        actions: stopFirst ? [stop] : [],
        meta: { clauses: ['DAE-STATE-2'] },
        description: `permanent failure → failed (8), reason ${reason}`,
      }) as const,
  );
}

/** Retries exhausted: failed with reason 4 (clauses.md decision on the bounded back-off). */
function exhausted<G extends 'headersGive' | 'failureGives'>(guard: G, stopFirst: boolean) {
  return {
    guard: { type: guard, params: { outcome: 'stall' } },
    target: failTarget(DAE_REASON.OTHER),
    actions: stopFirst ? [stop] : [],
    meta: { clauses: ['DAE-STATE-1', 'DAE-STATE-2'] },
    description: 'stalled retries exhausted → failed (8), reason 4',
  } as const;
}

/** TRANSFER.HEADERS with a permanent failure while transferring (the response is abandoned). */
export const FAIL_ON_HEADERS_WHILE_TRANSFERRING = [
  changed('headersGive', true),
  ...reasons('headersGive', true),
];
/** TRANSFER.FAILED with a permanent failure while transferring (the transfer is already over). */
export const FAIL_ON_FAILURE_WHILE_TRANSFERRING = [
  changed('failureGives', false),
  ...reasons('failureGives', false),
];
/** TRANSFER.HEADERS of a retry: still transient with no retry left, or permanent. */
export const FAIL_ON_HEADERS_FROM_RETRY = [
  exhausted('headersGive', true),
  changed('headersGive', true),
  ...reasons('headersGive', true),
];
/** TRANSFER.FAILED of a retry: still transient with no retry left, or permanent. */
export const FAIL_ON_FAILURE_FROM_RETRY = [
  exhausted('failureGives', false),
  changed('failureGives', false),
  ...reasons('failureGives', false),
];
/** TRANSFER.COMPLETE whose length is not the known total: reason 3, the bytes are discarded. */
export const FAIL_ON_COMPLETION = [
  {
    guard: { type: 'completionGives', params: { outcome: DAE_REASON.BAD_CHECKSUM } },
    target: failTarget(DAE_REASON.BAD_CHECKSUM),
    actions: [...discard],
    meta: { clauses: ['DAE-STATE-2'] },
    description: 'the body length is not the known total size → failed, reason 3',
  } as const,
];

/**
 * The transitions out of a stalled sub-state that an application or the manager causes; each first
 * releases what the sub-state holds (`release`: cancel the back-off timer, or stop the retry transfer).
 */
export function stalledExits<A extends { type: 'cancelTimer' | 'stopTransfer'; params: object }>(release: A) {
  return {
    'APP.PAUSE': {
      guard: { type: 'pauseAllowed', params: { from: DAE_STATE.DOWNLOAD_STALLED } },
      target: '#oipfDownload.paused.byApp',
      actions: [release],
      meta: { clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-2'] },
      description: 'pause() on a stalled download → paused (4), returns true',
    },
    'SCHEDULER.PREEMPT': {
      target: '#oipfDownload.paused.byScheduler',
      actions: [release],
      meta: { clauses: ['DAE-PRIO-1'] },
      description: 'a higher-priority download takes the slot → paused (4) by the OITF',
    },
    'APP.UPDATE_URL': {
      guard: { type: 'updateAllowed', params: { from: DAE_STATE.DOWNLOAD_STALLED } },
      target: '#oipfDownload.inProgress',
      actions: [release, 'recordUrl', 'resetStall', startTransfer],
      meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-3'] },
      description: 'stalled + new URL: resume from the last byte from the new URL → in progress (2)',
    },
    'STORAGE.EXHAUSTED': {
      target: '#oipfDownload.failed.storageFull',
      actions: [release],
      meta: { clauses: ['DAE-RESERVE-5', 'DAE-STATE-2'] },
      description: 'no space left for it → failed, reason 0',
    },
    'APP.REMOVE': {
      target: '#oipfDownload.removed',
      actions: [release, { type: 'deleteData', params: {} }],
      meta: { clauses: ['DAE-REMOVE-1'] },
      description: 'remove(): release the retry, delete all data and content',
    },
  } as const;
}

/** remove() where no transfer or timer runs (queued, paused, completed, failed): delete everything (DAE-REMOVE-1). */
export const REMOVE_AT_REST = {
  target: '#oipfDownload.removed',
  actions: [{ type: 'deleteData', params: {} }],
  meta: { clauses: ['DAE-REMOVE-1'] },
  description: 'remove(): delete all data and content of the download; it becomes invalid',
} as const;
