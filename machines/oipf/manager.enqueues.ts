/**
 * The effects the download manager requests from inside its `enqueueActions` blocks (manager.setup.ts),
 * which the chart cannot show: each block runs a pure step (manager.step.ts) that forwards the child
 * download's effect requests and then reschedules the transfer slots. The code generator reads this
 * table (via the registry) so the port names, per effect, the transitions and clause ids that request it;
 * a codegen test walks the manager and checks every effect a block enqueues is declared here.
 *
 * @module
 */
import type { EnqueuedEffects } from '../describe.js';
import type { OipfManagerEffects, OipfManagerEvent } from './manager.types.js';

type Effect = keyof OipfManagerEffects;

/**
 * What every slot rebalance may request: start the next transfer (or verify again one whose bytes are all kept),
 * or pre-empt / fail an active one, cancelling its transfer or verification (DAE-PRIO-1, DAE-RESERVE-5, DAE-PAUSE-2).
 */
const REBALANCE: readonly Effect[] = [
  'startTransfer',
  'stopTransfer',
  'cancelTimer',
  'verifyContent',
  'cancelVerification',
];

/** A forwarded event's own child effects, plus the rebalance that follows it. */
const forwarded = (...own: Effect[]): readonly Effect[] => [...new Set([...REBALANCE, ...own])];

/** Block action name → the effects it may request (per event for the forwarding block). */
export const OIPF_MANAGER_ENQUEUES = Object.freeze({
  rebalanceSlots: REBALANCE,
  applyRegister: ['fetchDescriptor', 'startTimer', ...REBALANCE],
  applyPause: REBALANCE,
  applyResume: REBALANCE,
  applyUpdate: REBALANCE,
  applyRemove: ['deleteData', ...REBALANCE],
  applyReserve: [],
  applyReservationChange: [],
  forwardToDownload: Object.freeze({
    'DESCRIPTOR.PARSED': forwarded(),
    'DESCRIPTOR.REJECTED': forwarded(),
    // A 200/206 answer may restart the transfer or discard a changed object; a 5xx stalls (retry timer).
    'TRANSFER.HEADERS': forwarded('deleteData', 'startTimer'),
    'TRANSFER.PROGRESS': forwarded(),
    'TRANSFER.COMPLETE': forwarded('verifyContent', 'deleteData'),
    'TRANSFER.VERIFIED': forwarded(),
    'TRANSFER.CHECKSUM_MISMATCH': forwarded('deleteData'),
    'TRANSFER.VERIFY_ERROR': forwarded('deleteData'),
    'TRANSFER.FAILED': forwarded('startTimer', 'deleteData'),
    'TIMER.FIRED': forwarded(),
    'STORAGE.EXHAUSTED': forwarded(),
    'FDP.COMPLETED_WITH_ERRORS': forwarded('deleteData'),
  }),
}) satisfies EnqueuedEffects<Effect, OipfManagerEvent['type']>;
