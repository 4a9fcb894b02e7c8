/**
 * The OIPF DAE download manager (the OITF side of `application/oipfDownloadManager`): registration,
 * a bounded number of active transfers with priority pre-emption, reservations and storage per
 * organisation, and the HbbTV profile as configuration.
 *
 * It owns its downloads as plain data stepped with the download machine's pure `transition` (see
 * manager.step.ts for why), forwards every child effect request as its own action tagged with the
 * download id, and re-emits every child notification in order. The return value of each synchronous
 * DAE method is decided by the same `decide*` function the guard calls, and recorded in
 * `context.lastResult`.
 *
 * @module
 */
import { DownloadIndex } from './manager.index.js';
import { oipfManagerSetup } from './manager.setup.js';
import { restoredDownload } from './manager.step.js';

const FORWARD_META = { clauses: ['DAE-EVT-1'] } as const;

/** The OIPF DAE download-manager machine; effects are requested as actions tagged with the download id. */
export const oipfManagerMachine = oipfManagerSetup.createMachine({
  id: 'oipfManager',
  context: ({ input }) => ({
    profile: input.profile ?? 'oipf',
    capacityBytes: input.capacityBytes,
    maxActive: input.maxActive ?? 2,
    manageDownloads: input.manageDownloads ?? 'all',
    reserveNever: [...(input.reserveNever ?? [])],
    downloads: DownloadIndex.of((input.downloads ?? []).map(restoredDownload)),
    reservations: { ...(input.reservations ?? {}) },
    lastResult: undefined,
  }),
  // Restored downloads that were transferring come back paused by the OITF: give them their slots.
  entry: ['rebalanceSlots'],
  initial: 'selectingProfile',
  on: {
    'APP.REGISTER': [
      {
        guard: 'registerAccepted',
        actions: ['applyRegister'],
        meta: { clauses: ['DAE-STATE-1', 'DAE-PRIO-1', 'DAE-GET-2', 'DAE-EVT-1'] },
        description: 'registerDownloadURL: queued (16); a higher priority pre-empts the lowest active one',
      },
      {
        actions: ['refuse'],
        description: 'registerDownloadURL refused (duplicate id, empty URL): undefined',
      },
    ],
    'APP.REMOVE': [
      {
        guard: 'removeAccepted',
        actions: ['applyRemove'],
        meta: { clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2'] },
        description: 'remove(): delete the download and its data, return true; its slot goes to the next',
      },
      {
        actions: ['refuse'],
        meta: { clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2'] },
        description: 'remove() of an unknown, removed or out-of-scope download returns false',
      },
    ],
    'APP.RESERVE': [
      {
        guard: 'reserveGranted',
        actions: ['applyReserve'],
        meta: { clauses: ['DAE-RESERVE-1', 'DAE-RESERVE-2', 'DAE-RESERVE-6'] },
        description:
          "reserve(bytes) granted: the organisation's reservation is set, adjusted, or cancelled by 0",
      },
      {
        actions: ['refuse'],
        meta: { clauses: ['DAE-RESERVE-3', 'DAE-RESERVE-7', 'HBB-RESERVE-1'] },
        description:
          'reserve(bytes) not granted: the RESERVE_* result only; the prior reservation is unchanged',
      },
    ],
    'OITF.RESERVATION_CHANGED': {
      actions: ['applyReservationChange'],
      meta: { clauses: ['DAE-RESERVE-4'] },
      description: 'the OITF or the user cancels, shrinks or expands a reservation',
    },
    'DESCRIPTOR.PARSED': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['DAE-GET-2'] },
      description: 'the CADD is parsed: the download becomes visible to getDownloads and may start',
    },
    'DESCRIPTOR.REJECTED': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['DAE-GET-2', 'DAE-STATE-2'] },
      description: 'the CADD is rejected: the download fails with reason 4',
    },
    'TRANSFER.HEADERS': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['DAE-RESERVE-5', 'DAE-EVT-1'] },
      description:
        'forwarded; a total size beyond the reservation or free space fails the download (reason 0)',
    },
    'TRANSFER.PROGRESS': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['DAE-RESERVE-5', 'DAE-EVT-1'] },
      description: 'forwarded; bytes beyond the reservation or free space fail the download (reason 0)',
    },
    'TRANSFER.COMPLETE': { actions: ['forwardToDownload'], meta: FORWARD_META, description: 'forwarded' },
    'TRANSFER.VERIFIED': { actions: ['forwardToDownload'], meta: FORWARD_META, description: 'forwarded' },
    'TRANSFER.CHECKSUM_MISMATCH': {
      actions: ['forwardToDownload'],
      meta: FORWARD_META,
      description: 'forwarded',
    },
    'TRANSFER.VERIFY_ERROR': {
      actions: ['forwardToDownload'],
      meta: FORWARD_META,
      description: 'forwarded',
    },
    'TRANSFER.FAILED': { actions: ['forwardToDownload'], meta: FORWARD_META, description: 'forwarded' },
    'TIMER.FIRED': { actions: ['forwardToDownload'], meta: FORWARD_META, description: 'forwarded' },
    'STORAGE.EXHAUSTED': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['DAE-RESERVE-5', 'DAE-STATE-2'] },
      description: 'the device is full while writing: the download fails with reason 0',
    },
    'FDP.COMPLETED_WITH_ERRORS': {
      actions: ['forwardToDownload'],
      meta: { clauses: ['HBB-FDP-1'] },
      description: 'forwarded with the profile: HbbTV and discard flag 0 → completed (1)',
    },
  },
  states: {
    selectingProfile: {
      always: [
        {
          guard: 'isHbbtv',
          target: 'hbbtv',
          meta: { clauses: ['HBB-PROFILE-1'] },
          description: 'HbbTV profile',
        },
        { target: 'oipf', description: 'plain OIPF DAE profile' },
      ],
    },
    oipf: {
      description: 'OIPF DAE: pause, resume and updateRegisteredDownload exist',
      on: {
        'APP.PAUSE': [
          {
            guard: 'pauseAccepted',
            actions: ['applyPause'],
            meta: { clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-2'] },
            description:
              'pause(): true; in progress / queued / stalled → paused (4); already paused: no event',
          },
          {
            actions: ['refuse'],
            meta: { clauses: ['DAE-PAUSE-3'] },
            description: 'pause() on a completed, failed, unknown or out-of-scope download returns false',
          },
        ],
        'APP.RESUME': [
          {
            guard: 'resumeAccepted',
            actions: ['applyResume'],
            meta: { clauses: ['DAE-RESUME-1', 'DAE-PRIO-1'] },
            description:
              'resume() of a paused download: true; in progress (2) if a slot is free, else queued (16)',
          },
          {
            actions: ['refuse'],
            meta: { clauses: ['DAE-RESUME-1'] },
            description: 'resume() of a download that is not paused returns false',
          },
        ],
        'APP.UPDATE_URL': [
          {
            guard: 'updateAccepted',
            actions: ['applyUpdate'],
            meta: {
              clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-2', 'DAE-UPDATE-3', 'DAE-UPDATE-4', 'DAE-UPDATE-5'],
            },
            description:
              'updateRegisteredDownload(): true; later retrievals use the new URL from the last byte',
          },
          {
            actions: ['refuse'],
            meta: { clauses: ['DAE-UPDATE-5'] },
            description: 'updateRegisteredDownload() of a completed (or unknown) download returns false',
          },
        ],
      },
    },
    hbbtv: {
      description:
        'HbbTV profile: discInfo, updateRegisteredDownload, pause, resume, getDownloads are absent',
      meta: { clauses: ['HBB-PROFILE-1'] },
      on: {
        'APP.PAUSE': {
          actions: ['refuse'],
          meta: { clauses: ['HBB-PROFILE-1'] },
          description: 'pause is absent',
        },
        'APP.RESUME': {
          actions: ['refuse'],
          meta: { clauses: ['HBB-PROFILE-1'] },
          description: 'resume is absent',
        },
        'APP.UPDATE_URL': {
          actions: ['refuse'],
          meta: { clauses: ['HBB-PROFILE-1'] },
          description: 'updateRegisteredDownload is absent',
        },
      },
    },
  },
});
