/**
 * The OIPF DAE download lifecycle (one actor per download): queued (16) → in progress (2) →
 * completed (1) / failed (8, reason) / paused (4) / stalled (32). The seed's Figure 12 is not in the
 * text; every transition here is derived from a method rule and says which clause justifies it.
 *
 * The machine never performs I/O: it requests the transfer, timers, deletion and verification as
 * named actions (see `OipfDownloadEffects`) and reacts to the result events an adapter sends back.
 * Each entry into a DAE state emits exactly one `STATE_CHANGED` notification (DAE-EVT-1); moves
 * between sub-states of the same DAE state (e.g. paused by the OITF → paused by the app) emit none.
 *
 * @module
 */
import { and } from 'xstate';
import { DAE_STATE } from './constants.js';
import { oipfDownloadSetup } from './download.setup.js';
import { FAILED_STATE, STALLED_STATE } from './download.states.js';
import {
  cancelVerification,
  FAIL_ON_COMPLETION,
  FAIL_ON_FAILURE_WHILE_TRANSFERRING,
  FAIL_ON_HEADERS_WHILE_TRANSFERRING,
  REMOVE_AT_REST,
  startTransfer,
  VERIFY_AGAIN,
  verifyContent,
} from './download.transitions.js';

const S = DAE_STATE;

/** The OIPF DAE download lifecycle machine: one actor (or one plain-data record stepped with `transition`) per download. */
export const oipfDownloadMachine = oipfDownloadSetup.createMachine({
  id: 'oipfDownload',
  context: ({ input }) => ({
    id: input.id,
    url: input.url,
    totalSize: input.totalSize,
    bytesReceived: input.bytesReceived ?? 0,
    etag: input.etag,
    priority: input.priority ?? 0,
    stallAttempts: 0,
    profile: input.profile ?? 'oipf',
    contentComplete: false,
    verification: 0,
  }),
  initial: 'queued',
  states: {
    queued: {
      description: 'state 16: registered, waiting for a transfer slot (or its descriptor)',
      meta: { clauses: ['DAE-STATE-1'] },
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_NOT_STARTED } }],
      on: {
        'APP.REMOVE': REMOVE_AT_REST,
        'SCHEDULER.START': [
          {
            guard: 'contentComplete',
            ...VERIFY_AGAIN,
            meta: { clauses: ['DAE-RESUME-1', 'DAE-PAUSE-2'] },
            description:
              'a slot is free for a download whose bytes are all kept (resumed while verifying): verify again, no transfer',
          },
          {
            target: 'inProgress',
            actions: [startTransfer],
            meta: { clauses: ['DAE-STATE-1', 'DAE-PRIO-1'] },
            description: 'a slot is free: start the transfer from the last durable byte',
          },
        ],
        'APP.PAUSE': {
          guard: { type: 'pauseAllowed', params: { from: S.DOWNLOAD_NOT_STARTED } },
          target: 'paused.byApp',
          meta: { clauses: ['DAE-PAUSE-1'] },
          description: 'pause() on a queued download → paused (4), returns true',
        },
        'APP.UPDATE_URL': {
          guard: { type: 'updateAllowed', params: { from: S.DOWNLOAD_NOT_STARTED } },
          actions: ['recordUrl'],
          meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-4'] },
          description: 'queued: only the URL changes; nothing more until started or resumed',
        },
        'DESCRIPTOR.PARSED': {
          actions: ['recordUrl'],
          meta: { clauses: ['DAE-GET-2'] },
          description: 'the CADD was fetched and parsed: its content URL (and size) are known',
        },
        'DESCRIPTOR.REJECTED': {
          target: 'failed.other',
          meta: { clauses: ['DAE-STATE-2'] },
          description: 'the CADD was rejected → failed (8) reason 4',
        },
        'STORAGE.EXHAUSTED': {
          target: 'failed.storageFull',
          meta: { clauses: ['DAE-RESERVE-5', 'DAE-STATE-2'] },
          description: "it would exceed its organisation's reservation or the free space → failed, reason 0",
        },
      },
    },
    inProgress: {
      description: 'state 2: a transfer is open (or the stored content is being verified)',
      meta: { clauses: ['DAE-STATE-1'] },
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_IN_PROGRESS } }],
      initial: 'transferring',
      on: {
        'APP.PAUSE': {
          guard: { type: 'pauseAllowed', params: { from: S.DOWNLOAD_IN_PROGRESS } },
          target: 'paused.byApp',
          actions: [{ type: 'stopTransfer', params: {} }],
          meta: { clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-2'] },
          description: 'pause(): close the request and socket, no more data → paused (4), returns true',
        },
        'SCHEDULER.PREEMPT': {
          target: 'paused.byScheduler',
          actions: [{ type: 'stopTransfer', params: {} }],
          meta: { clauses: ['DAE-PRIO-1', 'DAE-PAUSE-2'] },
          description: 'a higher-priority download takes the slot → paused (4) by the OITF',
        },
        'STORAGE.EXHAUSTED': {
          target: 'failed.storageFull',
          actions: [{ type: 'stopTransfer', params: {} }],
          meta: { clauses: ['DAE-RESERVE-5', 'DAE-STATE-2'] },
          description: 'the bytes would exceed the reservation or the free space → failed, reason 0',
        },
        'FDP.COMPLETED_WITH_ERRORS': [
          {
            guard: 'fdpReportsCompleted',
            target: 'completed',
            meta: { clauses: ['HBB-FDP-1'] },
            description: 'HbbTV: FDP completed with errors and discard_file_on_error_flag 0 → completed (1)',
          },
          {
            target: 'failed.invalid',
            actions: [{ type: 'deleteData', params: {} }, 'forgetBytes'],
            meta: { clauses: ['HBB-FDP-1', 'DAE-STATE-2'] },
            description: 'FDP completed with errors, file discarded → failed, reason 3',
          },
        ],
        'APP.REMOVE': {
          target: 'removed',
          actions: [
            { type: 'stopTransfer', params: {} },
            { type: 'deleteData', params: {} },
          ],
          meta: { clauses: ['DAE-REMOVE-1'] },
          description: 'remove(): stop the transfer, delete all data and content',
        },
      },
      states: {
        transferring: {
          on: {
            'TRANSFER.HEADERS': [
              {
                guard: { type: 'headersGive', params: { outcome: 'accept' } },
                actions: ['recordHeaders'],
                meta: { clauses: ['DAE-STATE-1'] },
                description: '200/206 for the same object: keep its validator and size',
              },
              {
                guard: { type: 'headersGive', params: { outcome: 'restart' } },
                actions: [
                  { type: 'stopTransfer', params: {} },
                  { type: 'deleteData', params: {} },
                  'forgetBytes',
                  'recordHeaders',
                  startTransfer,
                ],
                meta: { clauses: ['DAE-UPDATE-2'] },
                description: 'a 200 to a resume: the server ignored the range; restart from byte 0',
              },
              {
                guard: { type: 'headersGive', params: { outcome: 'stall' } },
                target: '#oipfDownload.stalled',
                actions: [{ type: 'stopTransfer', params: {} }, 'resetStall'],
                meta: { clauses: ['DAE-STATE-1'] },
                description: 'a transient HTTP failure (408/429/5xx) → stalled (32)',
              },
              ...FAIL_ON_HEADERS_WHILE_TRANSFERRING,
            ],
            'TRANSFER.PROGRESS': {
              actions: ['recordBytes'],
              meta: { clauses: ['DAE-UPDATE-2'] },
              description: 'more bytes are durable: the last byte received, where a resume continues',
            },
            'TRANSFER.COMPLETE': [
              {
                guard: { type: 'completionGives', params: { outcome: 'verify' } },
                target: 'verifying',
                actions: ['recordBytes', 'beginVerification', verifyContent],
                meta: { clauses: ['DAE-STATE-1'] },
                description: 'all bytes are written: verify checksum and length before completing',
              },
              ...FAIL_ON_COMPLETION,
            ],
            'TRANSFER.FAILED': [
              {
                guard: { type: 'failureGives', params: { outcome: 'stall' } },
                target: '#oipfDownload.stalled',
                actions: ['resetStall'],
                meta: { clauses: ['DAE-STATE-1'] },
                description: 'transient failure (timeout, reset, 5xx) → stalled (32)',
              },
              ...FAIL_ON_FAILURE_WHILE_TRANSFERRING,
            ],
            'APP.UPDATE_URL': {
              guard: { type: 'updateAllowed', params: { from: S.DOWNLOAD_IN_PROGRESS } },
              actions: [{ type: 'stopTransfer', params: {} }, 'recordUrl', startTransfer],
              meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-2'] },
              description: 'new URL: stop the transfer, continue from the last byte from the new URL',
            },
          },
        },
        verifying: {
          on: {
            // A result of a cancelled verification (an earlier generation) matches no guard: it is ignored.
            'TRANSFER.VERIFIED': {
              guard: 'currentVerification',
              target: '#oipfDownload.completed',
              meta: { clauses: ['DAE-STATE-1', 'DAE-PAUSE-2'] },
              description: 'all bytes, verified (by the verification waited for) → completed (1)',
            },
            'TRANSFER.CHECKSUM_MISMATCH': {
              guard: 'currentVerification',
              target: '#oipfDownload.failed.invalid',
              actions: [{ type: 'deleteData', params: {} }, 'forgetBytes'],
              meta: { clauses: ['DAE-STATE-2', 'DAE-PAUSE-2'] },
              description: 'bad checksum → failed, reason 3; the corrupt bytes are discarded',
            },
            'TRANSFER.VERIFY_ERROR': {
              guard: 'currentVerification',
              target: '#oipfDownload.failed.other',
              actions: [{ type: 'deleteData', params: {} }, 'forgetBytes'],
              meta: { clauses: ['DAE-STATE-2'] },
              description:
                'the storage failed while verifying or keeping the content → failed, reason 4; its bytes are discarded',
            },
            'APP.PAUSE': {
              guard: { type: 'pauseAllowed', params: { from: S.DOWNLOAD_IN_PROGRESS } },
              target: '#oipfDownload.paused.byApp',
              actions: [cancelVerification],
              meta: { clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-2'] },
              description:
                'pause() while verifying: cancel the verification, keep every byte → paused (4), returns true',
            },
            'SCHEDULER.PREEMPT': {
              target: '#oipfDownload.paused.byScheduler',
              actions: [cancelVerification],
              meta: { clauses: ['DAE-PRIO-1', 'DAE-PAUSE-2'] },
              description:
                'pre-empted while verifying: cancel the verification, keep every byte → paused (4)',
            },
            'APP.REMOVE': {
              target: '#oipfDownload.removed',
              actions: [cancelVerification, { type: 'deleteData', params: {} }],
              meta: { clauses: ['DAE-REMOVE-1'] },
              description: 'remove() while verifying: cancel the verification, delete all data and content',
            },
            'APP.UPDATE_URL': {
              guard: { type: 'updateAllowed', params: { from: S.DOWNLOAD_IN_PROGRESS } },
              actions: ['recordUrl'],
              meta: { clauses: ['DAE-UPDATE-1'] },
              description: 'verifying: no transfer to stop; later retrievals use the new URL',
            },
          },
        },
      },
    },
    paused: {
      description: 'state 4: paused by an application or automatically by the OITF',
      meta: { clauses: ['DAE-STATE-1'] },
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_PAUSED } }],
      initial: 'byApp',
      on: {
        'APP.REMOVE': REMOVE_AT_REST,
        'DESCRIPTOR.PARSED': {
          actions: ['recordUrl'],
          meta: { clauses: ['DAE-GET-2'] },
          description: 'paused before its CADD was parsed: the content URL (and size) are known now',
        },
        'DESCRIPTOR.REJECTED': {
          target: 'failed.other',
          meta: { clauses: ['DAE-STATE-2'] },
          description: 'the CADD was rejected → failed (8) reason 4',
        },
        'APP.RESUME': [
          {
            guard: and([
              { type: 'resumeAllowed', params: { from: S.DOWNLOAD_PAUSED } },
              'slotAvailable',
              'contentComplete',
            ]),
            ...VERIFY_AGAIN,
            meta: { clauses: ['DAE-RESUME-1', 'DAE-PAUSE-2'] },
            description:
              'resume() of a download paused while verifying, with a free slot → in progress (2): verify again, no transfer',
          },
          {
            guard: and([{ type: 'resumeAllowed', params: { from: S.DOWNLOAD_PAUSED } }, 'slotAvailable']),
            target: 'inProgress',
            actions: [startTransfer],
            meta: { clauses: ['DAE-RESUME-1'] },
            description: 'resume() with a free slot → in progress (2) from the last byte, returns true',
          },
          {
            guard: { type: 'resumeAllowed', params: { from: S.DOWNLOAD_PAUSED } },
            target: 'queued',
            meta: { clauses: ['DAE-RESUME-1', 'DAE-PRIO-1'] },
            description: 'resume() with every slot taken by higher priorities → queued (16), returns true',
          },
        ],
        'APP.UPDATE_URL': {
          guard: { type: 'updateAllowed', params: { from: S.DOWNLOAD_PAUSED } },
          actions: ['recordUrl'],
          meta: { clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-2'] },
          description: 'paused: stays paused (ours); continues from the last byte with the new URL on resume',
        },
      },
      states: {
        byApp: {},
        byScheduler: {
          on: {
            'SCHEDULER.START': [
              {
                guard: 'contentComplete',
                ...VERIFY_AGAIN,
                meta: { clauses: ['DAE-PRIO-1', 'DAE-PAUSE-2'] },
                description:
                  'a slot freed for one pre-empted while verifying: resumed by the OITF → in progress (2), verify again',
              },
              {
                target: '#oipfDownload.inProgress',
                actions: [startTransfer],
                meta: { clauses: ['DAE-PRIO-1'] },
                description: 'a slot freed: resumed automatically by the OITF → in progress (2)',
              },
            ],
            'APP.PAUSE': {
              guard: { type: 'pauseAllowed', params: { from: S.DOWNLOAD_PAUSED } },
              target: 'byApp',
              meta: { clauses: ['DAE-PAUSE-1'] },
              description: 'pause() on a paused download: true, no event; no longer resumed automatically',
            },
          },
        },
      },
    },
    stalled: STALLED_STATE,
    completed: {
      description: 'state 1: all bytes received and verified',
      meta: { clauses: ['DAE-STATE-1'] },
      entry: [{ type: 'notifyStateChanged', params: { state: S.DOWNLOAD_COMPLETED } }],
      on: { 'APP.REMOVE': REMOVE_AT_REST },
    },
    failed: FAILED_STATE,
    removed: {
      type: 'final',
      meta: { clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2'] },
      description:
        'removed: every Download property becomes undefined, every later call with it returns false',
      entry: ['notifyRemoved'],
      output: ({ context }) => ({ id: context.id, removed: true as const }),
    },
  },
});
