/**
 * After retrieval: pre-installation, the installation notification (status report with bounded retries)
 * and the decision that commits or fails (seed steps 6 and 7, DL-INST-*).
 *
 * @module
 */
import { discardAll, fail } from './download.actions.js';
import { reportRetryDelay } from './download.logic.js';
import { downloadSetup } from './download.setup.js';

const state = downloadSetup.createStateConfig;

/** Pre-installation: prepared but not usable until the notification step succeeds (DL-INST-2). */
export const installingState = state({
  description: 'Pre-installation: prepared but not usable (DL-INST-2, DL-PR-5).',
  meta: { clauses: ['DL-INST-2', 'DL-PR-5'] },
  entry: { type: 'preInstall', params: ({ context }) => ({ files: context.retrieved }) },
  on: {
    'INSTALL.PREPARED': {
      target: 'notifying',
      actions: 'succeed',
      meta: { clauses: ['DL-INST-5'] },
      description: 'Prepared → the outcome is 900 Success.',
    },
    'INSTALL.FAILED': [
      {
        guard: { type: 'installFailedWith', params: { reason: 'insufficientMemory' } },
        target: 'notifying',
        actions: [discardAll, 'failInstall'],
        meta: { clauses: ['DL-INST-7'] },
        description: 'Lack of memory → 901.',
      },
      {
        guard: { type: 'installFailedWith', params: { reason: 'nonAcceptableContent' } },
        target: 'notifying',
        actions: [discardAll, 'failInstall'],
        meta: { clauses: ['DL-INST-9'] },
        description: 'Cannot be rendered/executed → 953.',
      },
      {
        guard: { type: 'installFailedWith', params: { reason: 'attributeMismatch' } },
        target: 'notifying',
        actions: [discardAll, 'failInstall'],
        meta: { clauses: ['DL-INST-10'] },
        description: 'Conflicts with the DD attributes → 905.',
      },
      {
        target: 'notifying',
        actions: [discardAll, fail('deviceAborted', 'installation failed for a device reason')],
        meta: { clauses: ['DL-INST-8'] },
        description: 'Any other device reason → 952.',
      },
    ],
    'USER.CANCEL': {
      target: 'notifying',
      actions: [discardAll, fail('userCancelled', 'cancelled before the notification (DL-INST-6)')],
      meta: { clauses: ['DL-INST-6'] },
      description: 'Cancelled before the notification was sent → 902.',
    },
  },
});

/** Installation notification: POST the status report, retry a bounded number of times (DL-INST-12). */
export const notifyingState = state({
  description: 'Seed step 7: installation notification (status report), if InstallNotifyURI was given.',
  initial: 'deciding',
  states: {
    deciding: {
      always: [
        {
          guard: 'hasNotifyURI',
          target: 'posting',
          actions: 'prepareReport',
          meta: { clauses: ['DL-INST-4', 'DL-NOTIFY-1'] },
          description: 'With InstallNotifyURI every outcome is reported as `<code> <text>`.',
        },
        {
          target: '#dlota.settling',
          meta: { clauses: ['DL-INST-1'] },
          description: 'No InstallNotifyURI: nothing to report.',
        },
      ],
    },
    posting: {
      entry: [
        'countAttempt',
        {
          type: 'postReport',
          params: ({ context }) => ({ url: context.report?.url ?? '', body: context.report?.body ?? '' }),
        },
      ],
      on: {
        'REPORT.ACCEPTED': {
          target: '#dlota.settling',
          actions: 'markReported',
          meta: { clauses: ['DL-NOTIFY-1'] },
          description: 'A 200 answer: delivered.',
        },
        'REPORT.FAILED': [
          {
            guard: 'canRetryReport',
            target: 'waitingToRetry',
            meta: { clauses: ['DL-INST-12'] },
            description: 'Not delivered: retry after a back-off (bounded).',
          },
          {
            target: '#dlota.settling',
            actions: 'queueReport',
            meta: { clauses: ['DL-INST-12'] },
            description: 'Attempts exhausted: the report stays queued; the outcome stands.',
          },
        ],
      },
    },
    waitingToRetry: {
      entry: {
        type: 'startTimer',
        params: ({ context }) => ({
          name: 'reportRetry',
          ms: reportRetryDelay(context.report?.attempts ?? 1, context.options.reportRetryMs),
        }),
      },
      on: {
        'TIMER.FIRED': {
          guard: 'isReportRetryTimer',
          target: 'posting',
          meta: { clauses: ['DL-INST-12'] },
        },
        'DEVICE.SHUTDOWN': {
          target: '#dlota.settling',
          actions: [{ type: 'cancelTimer', params: { name: 'reportRetry' } }, 'queueReport'],
          meta: { clauses: ['DL-INST-12'] },
          description: 'Shutting down: queue the report for the next run.',
        },
      },
    },
  },
});

/** Decides the end: commit (DL-INST-1/2), follow an updated DD (DL-PR-10), or fail. */
export const settlingState = state({
  always: [
    {
      guard: 'successDelivered',
      target: 'done',
      actions: [
        { type: 'commitObject', params: ({ context }) => ({ files: context.retrieved }) },
        'markCommitted',
      ],
      meta: { clauses: ['DL-INST-1', 'DL-INST-2', 'DL-PR-5'] },
      description: 'Usable only now: no InstallNotifyURI, or the report was accepted.',
    },
    {
      guard: 'shouldFollowUpdate',
      target: 'fetchingDescriptor',
      actions: 'followUpdate',
      meta: { clauses: ['DL-PR-10'] },
      description: '957 reported (or queued): fetch the updated DD and run the update retrieval.',
    },
    {
      guard: 'successUndelivered',
      target: 'failed',
      actions: [discardAll, 'dropUndeliveredSuccess'],
      meta: { clauses: ['DL-INST-12', 'DL-INST-2'] },
      description:
        'Success not delivered: the object is discarded, the download failed, and its 900 is dropped, never sent later.',
    },
    {
      target: 'failed',
      meta: { clauses: ['DL-INST-12'] },
      description: 'The failure stands, reported or not.',
    },
  ],
});

/** Final: 900 Success, objects usable. */
export const doneState = state({
  type: 'final',
  meta: { clauses: ['DL-INST-5', 'DL-NEXT-1'] },
  description: 'Reports 900 Success; the objects are usable; nextURL is offered.',
});

/** Final: the failure status in the output, nothing usable. */
export const failedState = state({
  type: 'final',
  meta: { clauses: ['DL-INST-12', 'DL-NEXT-1'] },
  description:
    'Reports output.statusCode (901, 902, 903, 905, 906, 951, 952, 953, 954, 957/955, or an undelivered 900); nothing usable; nextURL is offered.',
});
