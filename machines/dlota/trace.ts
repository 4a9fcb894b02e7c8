/**
 * Traceability of the DL-* clauses that no transition or state of `dlotaMachine` carries: the pure
 * functions that implement them, and the clauses this package does not implement, each with a reason.
 *
 * @module
 */
import type { ClauseId } from '../clauses.js';

/**
 * Pure function name → the clauses it decides. Covers the server side (no machine) and the protocol
 * details the agent's guards delegate to.
 */
export const DLOTA_FUNCTION_CLAUSES: Readonly<Record<string, readonly ClauseId[]>> = Object.freeze({
  parseDescriptor: ['DL-DD-1', 'DL-DD-2', 'DL-DD-3', 'DL-DD-4', 'DL-DD-5', 'DL-RET-1'],
  statusLine: ['DL-NOTIFY-1', 'DL-STATUS-957'],
  parseStatusLine: ['DL-NOTIFY-1'],
  reportDelivered: ['DL-NOTIFY-1'],
  resumeRange: ['DL-PR-7', 'DL-PR-8', 'DL-EX-B6'],
  acceptPartial: ['DL-PR-11', 'DL-EX-B6'],
  exposesByteRanges: ['DL-PR-12', 'DL-PR-4'],
  isObjectMissing: ['DL-RET-3'],
  isTypeSupported: ['DL-STEP-4'],
  hasEnoughSpace: ['DL-STEP-3'],
  needsConfirmation: ['DL-STEP-5'],
  headerConflict: ['DL-INST-10'],
  sizeConflict: ['DL-INST-10'],
  canRetryReport: ['DL-INST-12'],
  decideMediaResponse: ['DL-PR-1', 'DL-PR-2', 'DL-PR-3', 'DL-EX-B6', 'DL-SRV-1', 'DL-SRV-2'],
  etagFor: ['DL-PR-3'],
  entityTagSafe: ['DL-PR-3'],
  rangeSetAbusive: ['DL-PR-2'],
  ifMatchPasses: ['DL-PR-10', 'DL-SRV-1'],
  evaluatePreconditions: ['DL-SRV-1'],
  ifRangeHolds: ['DL-SRV-2'],
});

/** DL-* clauses no machine element or function implements, each with the reason. */
export const DLOTA_NOT_APPLICABLE: Readonly<Partial<Record<ClauseId, string>>> = Object.freeze({
  'DL-INST-3':
    'Co-delivery (DD and object in one multipart/related response) is not supported: the agent always fetches the DD by URL. The two-phase installation (DL-INST-2) does not depend on how the DD arrived, so a co-delivery adapter would reuse the same chart from `installing` on.',
});
