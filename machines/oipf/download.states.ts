/**
 * The stalled (32) and failed (8) states of the download chart, kept apart because they are the
 * longest: stalled retries on a bounded back-off, with the timer requested as an action; failed has
 * one sub-state per reason, so the reason exists only in state 8 (DAE-STATE-2) by construction.
 *
 * @module
 */
import { and } from 'xstate';
import { DAE_STATE } from './constants.js';
import { FAILED_SUBSTATE_REASON, retryDelayMs } from './download.logic.js';
import {
  FAIL_ON_FAILURE_FROM_RETRY,
  FAIL_ON_HEADERS_FROM_RETRY,
  REMOVE_AT_REST,
  stalledExits,
  startTransfer,
} from './download.transitions.js';
import type { OipfDownloadContext } from './download.types.js';

const S = DAE_STATE;
const R = FAILED_SUBSTATE_REASON;

/** State 32: waiting for the back-off timer, or retrying the transfer; bounded retries, then failed reason 4. */
export const STALLED_STATE = {
  description: 'state 32: a transient failure; retrying on a bounded back-off',
  meta: { clauses: ['DAE-STATE-1'] },
  entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_STALLED } }],
  initial: 'waiting',
  states: {
    waiting: {
      entry: [
        {
          type: 'startTimer',
          params: ({ context }: { context: OipfDownloadContext }) => ({
            name: 'retry' as const,
            ms: retryDelayMs(context.stallAttempts),
          }),
        },
      ],
      on: {
        'TIMER.FIRED': {
          guard: 'isRetryTimer',
          target: 'retrying',
          actions: ['countRetry', startTransfer],
          meta: { clauses: ['DAE-STATE-1'] },
          description: 'back-off elapsed: retry the transfer from the last byte',
        },
        ...stalledExits({ type: 'cancelTimer', params: { name: 'retry' } } as const),
      },
    },
    retrying: {
      on: {
        'TRANSFER.HEADERS': [
          {
            guard: { type: 'headersGive', params: { outcome: 'accept' } },
            target: '#oipfDownload.inProgress',
            actions: ['recordHeaders', 'resetStall'],
            meta: { clauses: ['DAE-STATE-1'] },
            description: 'the transfer recovered → in progress (2)',
          },
          {
            guard: { type: 'headersGive', params: { outcome: 'restart' } },
            target: '#oipfDownload.inProgress',
            actions: [
              { type: 'stopTransfer', params: {} },
              { type: 'deleteData', params: {} },
              'forgetBytes',
              'recordHeaders',
              'resetStall',
              startTransfer,
            ],
            meta: { clauses: ['DAE-STATE-1'] },
            description: 'recovered, but the range was ignored: restart from byte 0 → in progress (2)',
          },
          {
            guard: and([{ type: 'headersGive', params: { outcome: 'stall' as const } }, 'retriesLeft']),
            target: 'waiting',
            actions: [{ type: 'stopTransfer', params: {} }],
            meta: { clauses: ['DAE-STATE-1'] },
            description: 'still failing transiently: wait for the next back-off step',
          },
          ...FAIL_ON_HEADERS_FROM_RETRY,
        ],
        'TRANSFER.PROGRESS': {
          target: '#oipfDownload.inProgress',
          actions: ['recordBytes', 'resetStall'],
          meta: { clauses: ['DAE-STATE-1'] },
          description: 'bytes flow again → in progress (2)',
        },
        'TRANSFER.FAILED': [
          {
            guard: and([{ type: 'failureGives', params: { outcome: 'stall' as const } }, 'retriesLeft']),
            target: 'waiting',
            meta: { clauses: ['DAE-STATE-1'] },
            description: 'still failing transiently: wait for the next back-off step',
          },
          ...FAIL_ON_FAILURE_FROM_RETRY,
        ],
        ...stalledExits({ type: 'stopTransfer', params: {} } as const),
      },
    },
  },
} as const;

/** State 8: one sub-state per reason; an updated URL resumes it from the last byte (DAE-UPDATE-3). */
export const FAILED_STATE = {
  description: 'state 8: failed; the sub-state is the reason (DAE-STATE-2)',
  meta: { clauses: ['DAE-STATE-1', 'DAE-STATE-2'] },
  // Every transition names the reason sub-state; `initial` is required by xstate and never used.
  initial: 'other',
  on: {
    'APP.REMOVE': REMOVE_AT_REST,
    'APP.UPDATE_URL': [
      {
        guard: and([{ type: 'updateAllowed', params: { from: S.DOWNLOAD_FAILED } }, 'slotAvailable']),
        target: 'inProgress',
        actions: ['recordUrl', startTransfer],
        meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-3'] },
        description: 'failed + new URL: resume from the last byte from the new URL → in progress (2)',
      },
      {
        guard: { type: 'updateAllowed', params: { from: S.DOWNLOAD_FAILED } },
        target: 'queued',
        actions: ['recordUrl'],
        meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-3', 'DAE-PRIO-1'] },
        description:
          'failed + new URL, every slot taken → queued (16); resumes from the last byte when started',
      },
    ],
  },
  states: {
    storageFull: {
      meta: { clauses: ['DAE-STATE-2'] },
      description: 'reason 0: the local storage device is full',
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_FAILED, reason: R.storageFull } }],
    },
    cannotDownload: {
      meta: { clauses: ['DAE-STATE-2'] },
      description: 'reason 1: the item cannot be downloaded (e.g. not purchased)',
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_FAILED, reason: R.cannotDownload } }],
    },
    notAvailable: {
      meta: { clauses: ['DAE-STATE-2'] },
      description: 'reason 2: no longer available (gone, or the object changed)',
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_FAILED, reason: R.notAvailable } }],
    },
    invalid: {
      meta: { clauses: ['DAE-STATE-2'] },
      description: 'reason 3: bad checksum or length',
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_FAILED, reason: R.invalid } }],
    },
    other: {
      meta: { clauses: ['DAE-STATE-2'] },
      description: 'reason 4: other (e.g. stalled retries exhausted, descriptor rejected)',
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_FAILED, reason: R.other } }],
    },
  },
} as const;
