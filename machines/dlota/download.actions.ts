/**
 * Action objects the DLOTA chart uses in many transitions, typed once: abort the transfer, discard
 * everything retrieved, record an outcome, record a pause cause.
 *
 * @module
 */
import type { PauseCause } from './download.types.js';
import type { StatusOutcome } from './status.js';

/** Requests `abortTransfer`: stop the current transfer. */
export const abort = { type: 'abortTransfer', params: {} } as const;

/** Requests `discardPartial` of everything this run retrieved or pre-installed (DL-INST-11). */
export const discardAll = { type: 'discardPartial', params: { scope: 'all' } } as const;

/** Records the outcome the run reports, and why. */
export const fail = (outcome: StatusOutcome, reason: string) =>
  ({ type: 'fail', params: { outcome, reason } }) as const;

/** Records why the retrieval is paused. */
export const pause = (cause: PauseCause) => ({ type: 'pauseBecause', params: { cause } }) as const;
