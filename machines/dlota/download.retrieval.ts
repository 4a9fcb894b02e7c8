/**
 * The retrieval part of the DLOTA chart (seed step 5): GET exactly the ObjectURI of each media object,
 * one after another, with every way a transfer can end or pause; the attribute check of each object.
 *
 * @module
 */
import { abort, discardAll, fail, pause } from './download.actions.js';
import { currentObject } from './download.logic.js';
import { pausedState, resumingState } from './download.resume.js';
import { downloadSetup } from './download.setup.js';

/** The `retrieving` state: requesting → downloading → verifying, with `paused`/`resuming` from §5.2.4.2. */
/** DL-INST-11: no memory while the kept range could not be resumed → 901, everything discarded. */
const storageFullNotResumable = {
  target: '#dlota.notifying',
  actions: [abort, discardAll, fail('insufficientMemory', 'storage full during retrieval')],
  meta: { clauses: ['DL-INST-11'] },
  description: 'No memory and not resumable → 901, discarded.',
} as const;

/** DL-RET-5: the user stops a retrieval that cannot be paused → 902 (not 903: nothing was lost, the user aborted). */
const userAbort = {
  target: '#dlota.notifying',
  actions: [
    abort,
    discardAll,
    fail('userCancelled', 'the user stopped a retrieval that cannot pause (DL-RET-5)'),
  ],
  meta: { clauses: ['DL-RET-5', 'DL-INST-11'] },
  description:
    'User stop with no pause possible (no Accept-Ranges, or before the response) → 902, discarded.',
} as const;

export const retrievingState = downloadSetup.createStateConfig({
  description: 'Seed step 5: object retrieval, one media object after another.',
  initial: 'requesting',
  on: {
    'USER.CANCEL': {
      target: 'notifying',
      actions: [abort, discardAll, fail('userCancelled', 'the user aborted the retrieval (DL-RET-5)')],
      meta: { clauses: ['DL-RET-5', 'DL-INST-11'] },
      description: 'User aborts the retrieval → 902, object discarded.',
    },
  },
  states: {
    requesting: {
      description: 'GET exactly the ObjectURI, from byte 0.',
      meta: { clauses: ['DL-RET-1', 'DL-RET-2'] },
      entry: {
        type: 'httpGet',
        params: ({ context }) => ({
          url: currentObject(context)?.objectURIs[0] ?? '',
          objectIndex: context.objectIndex,
          offset: 0,
        }),
      },
      on: {
        'RESPONSE.HEADERS': [
          {
            guard: 'objectMissing',
            target: '#dlota.notifying',
            actions: [abort, discardAll, fail('loaderError', 'the media object does not exist (DL-RET-3)')],
            meta: { clauses: ['DL-RET-3'] },
            description: '404/410 → 954 Loader Error.',
          },
          {
            guard: 'fullBodyConflicts',
            target: '#dlota.notifying',
            actions: [
              abort,
              discardAll,
              fail('attributeMismatch', 'response conflicts with the DD attributes'),
            ],
            meta: { clauses: ['DL-INST-10'] },
            description: 'Content-Length or Content-Type conflicts with the DD → 905.',
          },
          {
            guard: 'fullBody',
            target: 'downloading',
            actions: 'startTransfer',
            meta: { clauses: ['DL-RET-2', 'DL-PR-12'] },
            description: '200: keep length, ETag as received and whether Accept-Ranges: bytes was sent.',
          },
          {
            target: '#dlota.notifying',
            actions: [abort, discardAll, fail('loaderError', 'HTTP error on retrieval')],
            meta: { clauses: ['DL-RET-3'] },
            description: 'Any other status → 954 Loader Error.',
          },
        ],
        'CONNECTION.LOST': {
          target: '#dlota.notifying',
          actions: [discardAll, fail('lossOfService', 'connection lost before Accept-Ranges was seen')],
          meta: { clauses: ['DL-RET-4', 'DL-INST-11'] },
          description: 'Lost before the response: no pause/resume possible → 903.',
        },
        'STORAGE.FULL': storageFullNotResumable,
        'USER.PAUSE': userAbort,
        // A journal found at the start of the object: the machine decides before the fresh GET is answered,
        // so a resume is one Range + If-Match request, never a GET without Range first.
        'RESTART.RECOVERED': [
          {
            guard: 'recoveredComplete',
            target: 'verifying',
            actions: [abort, 'recoverFromJournal'],
            meta: { clauses: ['DL-PR-5', 'DL-PR-12'] },
            description:
              'Journal holds every byte of a range from an Accept-Ranges server: no request, attribute check.',
          },
          {
            guard: 'recoveredResumes',
            target: 'resuming',
            actions: [abort, 'recoverFromJournal', pause('restart')],
            meta: { clauses: ['DL-PR-12', 'DL-PR-4', 'DL-PR-7', 'DL-PR-9'] },
            description:
              'Restart with a journal from an Accept-Ranges server: resume at once (one Range + If-Match).',
          },
          {
            guard: 'recoveredKept',
            target: 'paused',
            actions: [abort, 'recoverFromJournal', pause('restart')],
            meta: { clauses: ['DL-PR-4', 'DL-PR-12'] },
            description: 'Restart with a resumable journal; the policy waits for the user to resume.',
          },
          {
            target: 'requesting',
            reenter: true,
            actions: {
              type: 'discardPartial',
              params: ({ context }) => ({ scope: 'object', objectIndex: context.objectIndex }),
            },
            meta: { clauses: ['DL-PR-12'] },
            description:
              'Nothing resumable kept (no Accept-Ranges journaled, or no byte durable): discard, GET from 0.',
          },
        ],
        'DEVICE.SHUTDOWN': {
          target: '#dlota.notifying',
          actions: [abort, discardAll, fail('lossOfService', 'shut down before Accept-Ranges was seen')],
          meta: { clauses: ['DL-RET-4', 'DL-INST-11'] },
          description: 'Shut down and not resumable → 903.',
        },
      },
    },
    downloading: {
      description: 'Receiving the body; the offset is what is durably on disk.',
      on: {
        'BODY.DURABLE': { actions: 'keepDurableOffset' },
        'BODY.END': { target: 'verifying', actions: 'keepDurableOffset' },
        'CONNECTION.LOST': [
          {
            guard: 'transferResumable',
            target: 'paused',
            actions: pause('connectionLost'),
            meta: { clauses: ['DL-PR-4', 'DL-RET-4', 'DL-INST-11'] },
            description: 'Accept-Ranges: bytes was sent: pause and keep the durable range, no 903.',
          },
          {
            target: '#dlota.notifying',
            actions: [discardAll, fail('lossOfService', 'connection lost without Accept-Ranges (DL-RET-4)')],
            meta: { clauses: ['DL-RET-4', 'DL-INST-11'] },
            description: 'No Accept-Ranges → 903 Loss of Service, discarded.',
          },
        ],
        'USER.PAUSE': [
          {
            guard: 'transferResumable',
            target: 'paused',
            actions: [abort, pause('user')],
            meta: { clauses: ['DL-PR-4', 'DL-PR-12'] },
            description: 'User pause, only when the server can resume; the range is kept.',
          },
          userAbort,
        ],
        'STORAGE.FULL': [
          {
            guard: 'transferResumable',
            target: 'paused',
            actions: [abort, pause('noMemory')],
            meta: { clauses: ['DL-INST-11', 'DL-PR-4'] },
            description: 'Temporary 901 with pause/resume: pause, keep the range.',
          },
          storageFullNotResumable,
        ],
        'DEVICE.SHUTDOWN': [
          {
            guard: 'transferResumable',
            target: 'paused',
            actions: [abort, pause('shutdown')],
            meta: { clauses: ['DL-PR-4'] },
            description: 'Power/shutdown with pause/resume: pause, keep the range.',
          },
          {
            target: '#dlota.notifying',
            actions: [abort, discardAll, fail('lossOfService', 'shut down without Accept-Ranges')],
            meta: { clauses: ['DL-RET-4', 'DL-INST-11'] },
            description: 'Shut down and not resumable → 903.',
          },
        ],
      },
    },
    paused: pausedState,
    resuming: resumingState,
    verifying: {
      description: 'Step 6 attribute check of the object just retrieved.',
      always: [
        {
          guard: 'sizeMismatch',
          target: '#dlota.notifying',
          actions: [discardAll, fail('attributeMismatch', 'retrieved size differs from the DD size')],
          meta: { clauses: ['DL-INST-10'] },
          description: 'Size differs from the DD → 905 Attribute mismatch.',
        },
        {
          guard: 'moreObjects',
          target: 'requesting',
          actions: 'nextObject',
          description: 'Next media object.',
        },
        { target: '#dlota.installing', actions: 'nextObject', description: 'All objects retrieved.' },
      ],
    },
  },
});
