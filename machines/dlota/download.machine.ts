/**
 * The OMA DLOTA 2.0 download agent as a statechart: descriptor → validation → memory and capability
 * checks → confirmation → retrieval (with pause/resume per seed §5.2.4.2) → attribute check →
 * pre-install → installation notification → commit. It never invokes and never schedules: each effect
 * is a typed action request (see {@link DownloadEffects}) and each outcome comes back as an event.
 *
 * @module
 */

import { fail } from './download.actions.js';
import {
  doneState,
  failedState,
  installingState,
  notifyingState,
  settlingState,
} from './download.install.js';
import { buildOutput, initialContext, requiredBytes } from './download.logic.js';
import { retrievingState } from './download.retrieval.js';
import { downloadSetup } from './download.setup.js';

/** The DLOTA agent machine; provide its effect actions with `dlotaMachine.provide({ actions })`. */
export const dlotaMachine = downloadSetup.createMachine({
  id: 'dlota',
  context: ({ input }) => initialContext(input),
  initial: 'fetchingDescriptor',
  output: ({ context }) => buildOutput(context),
  states: {
    fetchingDescriptor: {
      description: 'Step 1: fetch the download descriptor (also the updatedDDURI after a 412).',
      entry: { type: 'fetchDescriptor', params: ({ context }) => ({ url: context.ddUrl }) },
      on: {
        'DESCRIPTOR.LOADED': {
          target: 'validating',
          actions: 'storeDescriptor',
          meta: { clauses: ['DL-DD-1', 'DL-DD-5'] },
          description: 'Parse DD 1.0 or 2.0, resolving relative URIs against the DD URL.',
        },
        'INSTALL.RECOVERED': {
          target: 'done',
          actions: 'recoverInstall',
          meta: { clauses: ['DL-INST-2', 'DL-INST-12'] },
          description:
            'An earlier run recorded its accepted 900 and the install: honour it — no second download, no second 900.',
        },
        'DESCRIPTOR.FAILED': {
          target: 'notifying',
          actions: {
            type: 'fail',
            params: ({ event }) => ({
              outcome: 'loaderError',
              reason: `the descriptor could not be fetched: ${event.reason}`,
            }),
          },
          description:
            'No descriptor, so no InstallNotifyURI: the failure (954 and its cause) is output, not reported.',
        },
      },
    },
    validating: {
      description: 'Step 2: descriptor processing.',
      always: [
        {
          guard: 'descriptorVersionUnsupported',
          target: 'notifying',
          actions: 'failDescriptor',
          meta: { clauses: ['DL-DD-3'] },
          description: 'Unsupported major DDVersion → 951 Invalid DDVersion.',
        },
        {
          guard: 'descriptorInvalid',
          target: 'notifying',
          actions: 'failDescriptor',
          meta: { clauses: ['DL-DD-2'] },
          description: 'Syntax error, missing type/size/objectURI, bad size, DOCTYPE, limits → 906.',
        },
        {
          guard: 'productMissing',
          target: 'notifying',
          actions: fail('invalidDescriptor', 'the descriptor has no product at the requested index'),
          meta: { clauses: ['DL-DD-2'] },
          description: 'The requested product does not exist → 906.',
        },
        {
          target: 'measuringSpace',
          actions: 'selectProduct',
          meta: { clauses: ['DL-DD-4'] },
          description: 'Valid DD (unknown elements were ignored).',
        },
      ],
    },
    measuringSpace: {
      description: 'Step 3 (memory) then step 4 (capability).',
      entry: {
        type: 'queryFreeSpace',
        params: ({ context }) => ({ requiredBytes: requiredBytes(context.objects) }),
      },
      on: {
        'FREE_SPACE.MEASURED': [
          {
            guard: 'notEnoughSpace',
            target: 'notifying',
            actions: fail('insufficientMemory', 'not enough free space for the DD size (DL-STEP-3)'),
            meta: { clauses: ['DL-STEP-3'] },
            description: 'Free space below the DD size → 901.',
          },
          {
            guard: 'noSupportedType',
            target: 'notifying',
            actions: fail('nonAcceptableContent', 'no DD type is supported (DL-STEP-4)'),
            meta: { clauses: ['DL-STEP-4'] },
            description: 'No supported type for a media object → 953.',
          },
          { target: 'confirming' },
        ],
        'USER.CANCEL': {
          target: 'notifying',
          actions: fail('userCancelled', 'cancelled before retrieval'),
          meta: { clauses: ['DL-INST-6'] },
          description: 'User cancels before the notification → 902.',
        },
      },
    },
    confirming: {
      description: 'Step 5: user confirmation.',
      initial: 'deciding',
      states: {
        deciding: {
          always: [
            {
              guard: 'confirmationSkipped',
              target: '#dlota.retrieving',
              meta: { clauses: ['DL-STEP-5'] },
              description: 'The caller pre-confirmed or the DD suppresses confirmation.',
            },
            { target: 'asking' },
          ],
        },
        asking: {
          entry: {
            type: 'askConfirmation',
            params: ({ context }) => ({
              ...(context.dd?.name === undefined ? {} : { name: context.dd.name }),
              ...(context.dd?.vendor === undefined ? {} : { vendor: context.dd.vendor }),
              ...(context.dd?.description === undefined ? {} : { description: context.dd.description }),
              size: requiredBytes(context.objects),
              types: [...new Set(context.objects.flatMap((o) => o.types))],
              objectCount: context.objects.length,
            }),
          },
          on: {
            'USER.CONFIRMED': {
              target: '#dlota.retrieving',
              meta: { clauses: ['DL-STEP-5'] },
              description: 'Confirmed: retrieve.',
            },
            'USER.DECLINED': {
              target: '#dlota.notifying',
              actions: fail('userCancelled', 'the user declined (DL-STEP-5)'),
              meta: { clauses: ['DL-STEP-5'] },
              description: 'Declined → 902.',
            },
            'USER.CANCEL': {
              target: '#dlota.notifying',
              actions: fail('userCancelled', 'the user declined (DL-STEP-5)'),
              meta: { clauses: ['DL-STEP-5'] },
              description: 'Cancelled at confirmation → 902.',
            },
          },
        },
      },
    },
    retrieving: retrievingState,
    installing: installingState,
    notifying: notifyingState,
    settling: settlingState,
    done: doneState,
    failed: failedState,
  },
});
