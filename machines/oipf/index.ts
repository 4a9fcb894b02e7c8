/**
 * OIPF DAE content download (`application/oipfDownloadManager`, HbbTV profile): the download
 * lifecycle machine, the download-manager machine, their constants, pure decisions and scope rules,
 * and the ledger of which clause each pure function implements and which clauses no machine element
 * can implement.
 *
 * @module
 */
import type { ClauseId } from '../clauses.js';

export * from './cadd.js';
export * from './constants.js';
export * from './download.logic.js';
export { oipfDownloadMachine } from './download.machine.js';
export { type NotifyParams, oipfDownloadSetup } from './download.setup.js';
export type * from './download.types.js';
export * from './manager.index.js';
export * from './manager.listing.js';
export * from './manager.logic.js';
export { oipfManagerMachine } from './manager.machine.js';
export { type ManagerState, managerStart, managerTransition } from './manager.run.js';
export {
  MANAGER_GUARDS,
  MANAGER_STEPS,
  type ManagerGuardFunction,
  type ManagerStepFunction,
  oipfManagerSetup,
} from './manager.setup.js';
export {
  rebalance,
  restoredDownload,
  stepAdapterEvent,
  stepDownload,
  stepPause,
  stepRegister,
  stepRemove,
  stepReservation,
  stepReserve,
  stepResume,
  stepUpdate,
} from './manager.step.js';
export * from './manager.storage.js';
export type * from './manager.types.js';
export * from './scope.js';

/**
 * Clauses that no machine element implements because they are about the DOM-style surface, with the adapter
 * that implements them (its tests name the clause). The machines supply what they need: STATE_CHANGED, REMOVED.
 */
export const OIPF_ADAPTER_CLAUSES: Readonly<Partial<Record<ClauseId, string>>> = Object.freeze({
  'DAE-EVT-2':
    'adapters/oipf/dae-objects.ts dispatches the DownloadStateChange DOM event (no bubbling/capture, not cancellable, useCapture ignored) from the STATE_CHANGED notifications the machines emit.',
  'DAE-SEC-1':
    'Only trusted applications get the objects: adapters/dae-web (`dlstate manager serve-dae`) gives them only to pages an --apps entry names (isObjectSupported false elsewhere) and checks every socket call against that application; the machines apply its permissions (scope.ts).',
  'DAE-CAP-1':
    'The client capability description (<download manageDownloads="…"/>) is written by the running-manager adapter (capabilityFragment in adapters/oipf/manager.ts, `dlstate manager capabilities`) from OipfManagerInput.manageDownloads; its value set is MANAGE_DOWNLOADS_VALUES.',
  'DAE-REMOVE-3':
    'adapters/oipf/manager.ts exposes the REMOVED notification as onRemoved(listener): the hook an A/V control object playing the download uses to go to its error state 6 (no player is in scope).',
});

/**
 * DAE-* / HBB-* clauses no element of these machines implements, each with the reason and where it is
 * handled instead (the conformance ledger keeps them listed instead of dropping them).
 */
export const OIPF_NOT_APPLICABLE: Readonly<Partial<Record<ClauseId, string>>> = Object.freeze({});

/** Each pure function of this folder (by export name) → the clause ids it implements. */
export const OIPF_FUNCTION_CLAUSES: Readonly<Record<string, readonly ClauseId[]>> = Object.freeze({
  daeStateOf: ['DAE-STATE-1'],
  reasonOf: ['DAE-STATE-2'],
  canPause: ['DAE-PAUSE-1', 'DAE-PAUSE-3'],
  canResume: ['DAE-RESUME-1'],
  canUpdate: ['DAE-UPDATE-5'],
  canRemove: ['DAE-REMOVE-1', 'DAE-REMOVE-2'],
  outcomeOfStatus: ['DAE-STATE-2'],
  outcomeOfFailure: ['DAE-STATE-1', 'DAE-STATE-2'],
  outcomeOfHeaders: ['DAE-STATE-2', 'DAE-UPDATE-2'],
  outcomeOfCompletion: ['DAE-STATE-2'],
  fdpReportsCompleted: ['HBB-FDP-1'],
  isMemberAvailable: ['HBB-PROFILE-1'],
  decidePause: ['DAE-PAUSE-1', 'DAE-PAUSE-3', 'HBB-PROFILE-1'],
  decideResume: ['DAE-RESUME-1', 'HBB-PROFILE-1'],
  decideUpdate: ['DAE-UPDATE-5', 'HBB-PROFILE-1'],
  decideRemove: ['DAE-REMOVE-1', 'DAE-REMOVE-2'],
  decideReserve: ['DAE-RESERVE-1', 'DAE-RESERVE-2', 'DAE-RESERVE-3', 'DAE-RESERVE-6', 'DAE-RESERVE-7'],
  refusalOf: ['HBB-RESERVE-1', 'HBB-PROFILE-1'],
  orgUsedBytes: ['DAE-RESERVE-3'],
  fitsStorage: ['DAE-RESERVE-5'],
  hasReservedMb: ['DAE-PROP-1'],
  allocatedMb: ['DAE-PROP-1'],
  discInfoOf: ['DAE-PROP-2', 'HBB-PROFILE-1'],
  rebalance: ['DAE-PRIO-1', 'DAE-RESERVE-5'],
  visibleTo: ['DAE-GET-1', 'DAE-GET-3'],
  getDownloads: ['DAE-GET-1', 'DAE-GET-2', 'DAE-GET-3'],
  getDownloadsFor: ['DAE-GET-1', 'DAE-GET-2', 'DAE-GET-3', 'HBB-PROFILE-1'],
  visibleNarrowing: ['DAE-GET-1', 'DAE-GET-3'],
  getDownloadsQuery: ['DAE-GET-1', 'DAE-GET-2', 'DAE-GET-3', 'HBB-PROFILE-1'],
  filterAdmits: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3'],
  stateInSet: ['DAE-FILTER-4'],
  createFilteredList: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4'],
  createFilteredListFor: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4'],
  filterNarrowing: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3'],
  filteredListQuery: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4'],
  mayTouch: ['DAE-FILTER-3'],
  parseCadd: ['DAE-GET-2'],
});
