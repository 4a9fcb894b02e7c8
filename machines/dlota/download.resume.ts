/**
 * Pause and resume of a media object retrieval exactly as seed §5.2.4.2 says (DL-PR-4…12, DL-INST-11):
 * the `paused` and `resuming` states of the retrieval.
 *
 * @module
 */
import { abort, discardAll, fail, pause } from './download.actions.js';
import {
  currentObject,
  resumePreconditions,
  resumeRange,
  resumeRetryDelay,
  retryAfterMs,
} from './download.logic.js';
import { downloadSetup } from './download.setup.js';

/** Paused: the durable range, the ETag and the length stay in context; resume causes are events. */
export const pausedState = downloadSetup.createStateConfig({
  description: 'Kept range stored on the device, not usable until installed.',
  meta: { clauses: ['DL-PR-5'] },
  on: {
    // The adapter flushes after the abort that paused: that last checkpoint moves the kept range (only up).
    'BODY.DURABLE': {
      guard: 'durableGrows',
      actions: 'keepDurableOffset',
      meta: { clauses: ['DL-PR-4', 'DL-PR-7'] },
      description: 'Bytes flushed after the pause are kept: the resume Range starts at what is on disk.',
    },
    'USER.RESUME': [
      {
        guard: 'keptComplete',
        target: 'verifying',
        meta: { clauses: ['DL-PR-7'] },
        description: 'Nothing is missing: no request, straight to the attribute check.',
      },
      {
        guard: 'transferResumable',
        target: 'resuming',
        meta: { clauses: ['DL-PR-12'] },
        description: 'User resumes; only ever after Accept-Ranges: bytes.',
      },
    ],
    'TIMER.FIRED': {
      guard: 'isResumeRetryTimer',
      target: 'resuming',
      meta: { clauses: ['DL-PR-4', 'DL-PR-12'] },
      description: 'The back-off after a temporary error is over: resume again (same Range and validator).',
    },
    'NETWORK.BACK': {
      guard: 'resumeOnNetworkBack',
      target: 'resuming',
      meta: { clauses: ['DL-PR-12'] },
      description: 'Network back after a lost connection, and the policy resumes.',
    },
    'USER.CANCEL': {
      target: '#dlota.notifying',
      actions: [discardAll, fail('userCancelled', 'paused retrieval cancelled (DL-PR-6)')],
      meta: { clauses: ['DL-PR-6', 'DL-INST-11'] },
      description: 'Cancel while paused → 902, kept range discarded.',
    },
  },
});

/** The kept range and the object it belongs to: the whole object goes again from byte 0. */
const restartFromZero = [
  abort,
  {
    type: 'discardPartial',
    params: ({ context }: { context: { objectIndex: number } }) => ({
      scope: 'object' as const,
      objectIndex: context.objectIndex,
    }),
  },
  'restartObject',
] as const;

/**
 * Resuming: one GET with one Range for exactly the missing bytes, guarded by the kept validator (a strong
 * ETag in If-Match, else Last-Modified in If-Unmodified-Since); the answer decides (`acceptPartial`).
 */
export const resumingState = downloadSetup.createStateConfig({
  description:
    'One GET with one Range for exactly the missing bytes, If-Match (strong ETag) or If-Unmodified-Since.',
  meta: { clauses: ['DL-PR-7', 'DL-PR-8', 'DL-PR-9'] },
  entry: {
    type: 'httpGet',
    params: ({ context }) => ({
      url: currentObject(context)?.objectURIs[0] ?? '',
      objectIndex: context.objectIndex,
      offset: context.transfer.offset,
      range: resumeRange(context.transfer.offset, context.transfer.length),
      ...resumePreconditions(context.transfer),
    }),
  },
  on: {
    'RESPONSE.HEADERS': [
      {
        guard: 'objectUpdated',
        target: '#dlota.notifying',
        actions: [abort, discardAll, fail('mediaObjectUpdated', 'the object changed while paused')],
        meta: { clauses: ['DL-PR-10', 'DL-PR-11', 'DL-STATUS-957'] },
        description:
          '412, a 206 with another validator, or a 416 naming another length, and the DD has updatedDDURI → 957, discard, updated DD.',
      },
      {
        guard: 'resumeRestarts',
        target: 'requesting',
        actions: restartFromZero,
        meta: { clauses: ['DL-PR-11', 'DL-PR-10'] },
        description:
          '200 (range ignored), a 206 with no validator kept to prove it fits, or the object changed and the DD has no updatedDDURI: discard the kept range, GET from byte 0.',
      },
      {
        guard: 'resumeRetries',
        target: 'paused',
        actions: [
          abort,
          pause('serverBusy'),
          {
            type: 'startTimer',
            params: ({ context, event }) => ({
              name: 'resumeRetry' as const,
              ms:
                event.type === 'RESPONSE.HEADERS'
                  ? (resumeRetryDelay(
                      context.resumeRetries,
                      context.options,
                      retryAfterMs(event.retryAfter, event.date),
                    ) ?? 0)
                  : 0,
            }),
          },
          'countResumeRetry',
        ],
        meta: { clauses: ['DL-PR-4'] },
        description:
          '5xx, 408, 429 (temporary): keep the range, retry after a bounded back-off honouring Retry-After.',
      },
      {
        guard: 'resumeTemporary',
        target: 'paused',
        actions: [abort, pause('serverBusy')],
        meta: { clauses: ['DL-PR-4'] },
        description: 'Temporary error with no retry left (or a longer Retry-After): stay paused, range kept.',
      },
      {
        guard: 'httpError',
        target: '#dlota.notifying',
        actions: [abort, discardAll, fail('loaderError', 'HTTP error on resume')],
        meta: { clauses: ['DL-RET-3'] },
        description: '404/410 or another non-temporary error status → 954.',
      },
      {
        guard: 'partialEncoded',
        target: '#dlota.notifying',
        actions: [
          abort,
          discardAll,
          fail('deviceAborted', 'a 206 with a Content-Encoding is not the object range'),
        ],
        meta: { clauses: ['DL-PR-11', 'DL-INST-8'] },
        description:
          'A content-encoded 206 is never appended (its bytes are not the range) → 952, discarded.',
      },
      {
        guard: 'partialAppends',
        target: 'downloading',
        actions: 'clearResumeRetries',
        meta: { clauses: ['DL-PR-11'] },
        description:
          '206 whose Content-Range starts at the kept offset and ends at the length, with the kept validator: append.',
      },
      {
        target: '#dlota.notifying',
        actions: [abort, discardAll, fail('deviceAborted', 'a 206 that does not continue the kept range')],
        meta: { clauses: ['DL-PR-11', 'DL-INST-8'] },
        description: 'A 206 that does not fit the kept range is not appended → 952.',
      },
    ],
    'CONNECTION.LOST': {
      target: 'paused',
      actions: pause('connectionLost'),
      meta: { clauses: ['DL-PR-4'] },
      description: 'Lost again while resuming: stay paused, range kept.',
    },
    'USER.PAUSE': {
      target: 'paused',
      actions: [abort, pause('user')],
      meta: { clauses: ['DL-PR-4'] },
    },
    'STORAGE.FULL': {
      target: 'paused',
      actions: [abort, pause('noMemory')],
      meta: { clauses: ['DL-INST-11'] },
      description: 'Temporary 901 while resuming: pause, keep the range.',
    },
    'DEVICE.SHUTDOWN': {
      target: 'paused',
      actions: [abort, pause('shutdown')],
      meta: { clauses: ['DL-PR-4'] },
    },
  },
});
