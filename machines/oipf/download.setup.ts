/**
 * The setup of the OIPF DAE download lifecycle machine: its types, the named effect actions (the
 * port), the context assignments and the named guards, each calling a pure function of
 * download.logic.ts so `machine.toJSON()` shows the decision by name.
 *
 * @module
 */
import { assign, emit, setup } from 'xstate';
import type { ClauseMeta } from '../clauses.js';
import type { DaeReason, DaeState } from './constants.js';
import {
  canPause,
  canResume,
  canUpdate,
  fdpReportsCompleted,
  hasRetriesLeft,
  isCurrentVerification,
  outcomeOfCompletion,
  outcomeOfFailure,
  outcomeOfHeaders,
  type TransferOutcome,
} from './download.logic.js';
import type {
  OipfDownloadContext,
  OipfDownloadEffects,
  OipfDownloadEmitted,
  OipfDownloadEvent,
  OipfDownloadInput,
  OipfDownloadOutput,
} from './download.types.js';

/** Params of the `notifyStateChanged` action: the DAE state entered and, for state 8 only, its reason. */
export interface NotifyParams {
  readonly state: DaeState;
  readonly reason?: DaeReason;
}

/** The machine's setup: types, named effect actions, named guards (all calling download.logic.ts). */
export const oipfDownloadSetup = setup({
  types: {
    context: {} as OipfDownloadContext,
    events: {} as OipfDownloadEvent,
    input: {} as OipfDownloadInput,
    output: {} as OipfDownloadOutput,
    emitted: {} as OipfDownloadEmitted,
    meta: {} as ClauseMeta,
  },
  actions: {
    startTransfer: (_args, _params: OipfDownloadEffects['startTransfer']) => {},
    stopTransfer: (_args, _params: OipfDownloadEffects['stopTransfer']) => {},
    deleteData: (_args, _params: OipfDownloadEffects['deleteData']) => {},
    startTimer: (_args, _params: OipfDownloadEffects['startTimer']) => {},
    cancelTimer: (_args, _params: OipfDownloadEffects['cancelTimer']) => {},
    verifyContent: (_args, _params: OipfDownloadEffects['verifyContent']) => {},
    cancelVerification: (_args, _params: OipfDownloadEffects['cancelVerification']) => {},
    // DAE-EVT-1: one typed notification per DAE state entered; reason only ever passed by failed.*.
    notifyStateChanged: emit(({ context }, params: NotifyParams) => ({
      type: 'STATE_CHANGED' as const,
      id: context.id,
      state: params.state,
      reason: params.reason,
    })),
    notifyRemoved: emit(({ context }) => ({ type: 'REMOVED' as const, id: context.id })),
    recordUrl: assign({
      url: ({ context, event }) =>
        event.type === 'APP.UPDATE_URL' || event.type === 'DESCRIPTOR.PARSED' ? event.url : context.url,
      totalSize: ({ context, event }) =>
        event.type === 'DESCRIPTOR.PARSED' ? (event.totalSize ?? context.totalSize) : context.totalSize,
      // DAE-UPDATE-1/2/3: a validator belongs to its URL; a mirror's ETag differs. The bytes kept are checked
      // against the new URL by the total size (outcomeOfHeaders), and its own ETag guards later resumes.
      etag: ({ context, event }) =>
        event.type === 'APP.UPDATE_URL' && event.url !== context.url ? undefined : context.etag,
    }),
    recordHeaders: assign({
      etag: ({ context, event }) =>
        event.type === 'TRANSFER.HEADERS' ? (event.etag ?? context.etag) : context.etag,
      totalSize: ({ context, event }) =>
        event.type === 'TRANSFER.HEADERS' ? (event.totalSize ?? context.totalSize) : context.totalSize,
    }),
    recordBytes: assign({
      bytesReceived: ({ context, event }) =>
        event.type === 'TRANSFER.PROGRESS' || event.type === 'TRANSFER.COMPLETE'
          ? event.bytesDurable
          : context.bytesReceived,
    }),
    // A changed or corrupt object: keep nothing of it, so a later retrieval starts from byte 0.
    forgetBytes: assign({ bytesReceived: 0, etag: undefined, contentComplete: false }),
    // Every byte is kept; a new verification generation makes any result of an earlier one stale.
    beginVerification: assign({
      contentComplete: true,
      verification: ({ context }) => context.verification + 1,
    }),
    resetStall: assign({ stallAttempts: 0 }),
    countRetry: assign({ stallAttempts: ({ context }) => context.stallAttempts + 1 }),
  },
  guards: {
    pauseAllowed: (_args, params: { from: DaeState }) => canPause(params.from),
    resumeAllowed: (_args, params: { from: DaeState }) => canResume(params.from),
    updateAllowed: (_args, params: { from: DaeState }) => canUpdate(params.from),
    slotAvailable: ({ event }) =>
      (event.type === 'APP.RESUME' || event.type === 'APP.UPDATE_URL') && event.slotAvailable,
    contentComplete: ({ context }) => context.contentComplete,
    currentVerification: ({ context, event }) =>
      (event.type === 'TRANSFER.VERIFIED' ||
        event.type === 'TRANSFER.CHECKSUM_MISMATCH' ||
        event.type === 'TRANSFER.VERIFY_ERROR') &&
      isCurrentVerification(context, event.verification),
    isRetryTimer: ({ event }) => event.type === 'TIMER.FIRED' && event.name === 'retry',
    retriesLeft: ({ context }) => hasRetriesLeft(context.stallAttempts),
    headersGive: ({ context, event }, params: { outcome: TransferOutcome }) =>
      event.type === 'TRANSFER.HEADERS' && outcomeOfHeaders(context, event) === params.outcome,
    failureGives: ({ event }, params: { outcome: TransferOutcome }) =>
      event.type === 'TRANSFER.FAILED' && outcomeOfFailure(event) === params.outcome,
    completionGives: ({ context, event }, params: { outcome: 'verify' | DaeReason }) =>
      event.type === 'TRANSFER.COMPLETE' &&
      outcomeOfCompletion(context, event.bytesDurable) === params.outcome,
    fdpReportsCompleted: ({ context, event }) =>
      event.type === 'FDP.COMPLETED_WITH_ERRORS' &&
      fdpReportsCompleted(context.profile, event.discardFileOnError),
  },
});
