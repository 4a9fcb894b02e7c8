/**
 * The `setup()` of the DLOTA agent machine: its types, the effect actions it requests (placeholder
 * bodies; an adapter provides the real ones), the named context updates and the named guards, each
 * calling a pure function of `download.logic.ts`. The chart itself is in `download.machine.ts`.
 *
 * @module
 */
import { assign, setup } from 'xstate';
import type { ClauseMeta } from '../clauses.js';
import { decodeDescriptor } from './descriptor.encoding.js';
import { parseDescriptor } from './descriptor.js';
import {
  acceptPartial,
  allObjectsSupported,
  canRetryReport,
  currentObject,
  durableOffsetGrows,
  exposesByteRanges,
  freshTransfer,
  hasEnoughSpace,
  headerConflict,
  isEncodedPartial,
  isObjectMissing,
  needsConfirmation,
  recoveryPlan,
  resumeRetryDelay,
  retryAfterMs,
  sizeConflict,
  toFile,
} from './download.logic.js';
import type {
  DownloadContext,
  DownloadEffects,
  DownloadEvent,
  DownloadInput,
  DownloadOutput,
  InstallFailure,
  PauseCause,
} from './download.types.js';
import { type StatusOutcome, statusLine } from './status.js';

const noEffect = () => {};

/** The typed setup every part of the DLOTA chart is built from. */
export const downloadSetup = setup({
  types: {
    context: {} as DownloadContext,
    events: {} as DownloadEvent,
    input: {} as DownloadInput,
    output: {} as DownloadOutput,
    meta: {} as ClauseMeta,
  },
  actions: {
    fetchDescriptor: (_args, _params: DownloadEffects['fetchDescriptor']) => noEffect(),
    queryFreeSpace: (_args, _params: DownloadEffects['queryFreeSpace']) => noEffect(),
    askConfirmation: (_args, _params: DownloadEffects['askConfirmation']) => noEffect(),
    httpGet: (_args, _params: DownloadEffects['httpGet']) => noEffect(),
    abortTransfer: (_args, _params: DownloadEffects['abortTransfer']) => noEffect(),
    discardPartial: (_args, _params: DownloadEffects['discardPartial']) => noEffect(),
    preInstall: (_args, _params: DownloadEffects['preInstall']) => noEffect(),
    commitObject: (_args, _params: DownloadEffects['commitObject']) => noEffect(),
    postReport: (_args, _params: DownloadEffects['postReport']) => noEffect(),
    startTimer: (_args, _params: DownloadEffects['startTimer']) => noEffect(),
    cancelTimer: (_args, _params: DownloadEffects['cancelTimer']) => noEffect(),

    /** Parses the loaded descriptor (DL-DD-1) against its final URL (DL-DD-5). */
    storeDescriptor: assign(({ event }) => {
      if (event.type !== 'DESCRIPTOR.LOADED') return {};
      const decoded =
        typeof event.body === 'string'
          ? { ok: true as const, text: event.body }
          : decodeDescriptor(event.body, event.contentType);
      if (!decoded.ok) return { dd: undefined, parseFailure: decoded };
      const parsed = parseDescriptor(decoded.text, {
        baseUrl: event.url,
        ...(event.contentType === undefined ? {} : { mediaType: event.contentType }),
      });
      return parsed.ok
        ? { dd: parsed.dd, parseFailure: undefined }
        : { dd: undefined, parseFailure: parsed, notifyURI: parsed.installNotifyURI };
    }),
    /** Takes the selected product's objects and notify URI (DL-INST-4). */
    selectProduct: assign(({ context }) => {
      const product = context.dd?.products[context.options.productIndex];
      const objects = product?.mediaObjects ?? [];
      return {
        objects,
        objectIndex: 0,
        transfer: freshTransfer(objects[0]?.size ?? 0),
        notifyURI: product?.installNotifyURI,
      };
    }),
    /** Records the outcome the run will report, and why. */
    fail: assign((_, params: { outcome: StatusOutcome; reason: string }) => ({
      outcome: params.outcome,
      reason: params.reason,
    })),
    /** Records a descriptor failure (906/951) with the parser's reason and position. */
    failDescriptor: assign(({ context }) => {
      const failure = context.parseFailure;
      const where = failure?.line === undefined ? '' : ` at ${failure.line}:${failure.column}`;
      return {
        outcome: failure?.outcome ?? 'invalidDescriptor',
        reason: `${failure?.reason ?? 'invalid descriptor'}${where}`,
      };
    }),
    /** Records an installer failure as its status (DL-INST-7…10). */
    failInstall: assign(({ event }) => {
      if (event.type !== 'INSTALL.FAILED') return {};
      return {
        outcome: event.reason as StatusOutcome,
        reason: event.detail ?? `installation failed: ${event.reason}`,
      };
    }),
    /** Installation prepared: the outcome to report is 900 (DL-INST-5). */
    succeed: assign({ outcome: 'success' as StatusOutcome, reason: 'installed' }),
    /** A 200 to a fresh GET: remember the length, the ETag as received and whether ranges are exposed. */
    startTransfer: assign(({ context, event }) => {
      if (event.type !== 'RESPONSE.HEADERS') return {};
      return {
        transfer: {
          offset: 0,
          length: event.contentLength ?? currentObject(context)?.size ?? 0,
          ...(event.etag === undefined ? {} : { etag: event.etag }),
          ...(event.lastModified === undefined ? {} : { lastModified: event.lastModified }),
          acceptRanges: exposesByteRanges(event.acceptRanges),
          ...(event.contentType === undefined ? {} : { contentType: event.contentType }),
        },
      };
    }),
    /** The offset is what is durably on disk (stack.md §8), never a received-bytes counter. */
    keepDurableOffset: assign(({ context, event }) => {
      if (event.type !== 'BODY.DURABLE' && event.type !== 'BODY.END') return {};
      return { transfer: { ...context.transfer, offset: event.offset } };
    }),
    /**
     * After a crash the journal is the truth: offset, ETag and length as recorded, and whether the server of
     * the kept bytes sent Accept-Ranges: bytes (DL-PR-12). Accepted only before the object's first answer.
     */
    recoverFromJournal: assign(({ context, event }) => {
      if (event.type !== 'RESTART.RECOVERED') return {};
      const { etag: _dropped, lastModified: _droppedToo, ...rest } = context.transfer;
      return {
        transfer: {
          ...rest,
          offset: event.offset,
          length: event.length,
          acceptRanges: event.acceptRanges === true,
          ...(event.etag === undefined ? {} : { etag: event.etag }),
          ...(event.lastModified === undefined ? {} : { lastModified: event.lastModified }),
        },
      };
    }),
    /** Why the retrieval is paused (the kept range stays, DL-PR-4). */
    pauseBecause: assign((_, params: { cause: PauseCause }) => ({ pauseCause: params.cause })),
    /** Back to a fresh GET of the current object from byte 0 (a 200 answered a resume, or the object changed). */
    restartObject: assign(({ context }) => ({
      transfer: freshTransfer(currentObject(context)?.size ?? 0),
      resumeRetries: 0,
    })),
    /** One more resume answered by a temporary error (bounds the retries). */
    countResumeRetry: assign(({ context }) => ({ resumeRetries: context.resumeRetries + 1 })),
    /** A 206 was appended: temporary errors are counted afresh. */
    clearResumeRetries: assign({ resumeRetries: 0 }),
    /** The current object is complete: keep it and move to the next one. */
    nextObject: assign(({ context }) => {
      const object = currentObject(context);
      const next = context.objects[context.objectIndex + 1];
      return {
        retrieved: object ? [...context.retrieved, toFile(object)] : context.retrieved,
        objectIndex: context.objectIndex + 1,
        transfer: freshTransfer(next?.size ?? 0),
        pauseCause: undefined,
        resumeRetries: 0,
      };
    }),
    /** Starts delivering the status report of the current outcome (DL-NOTIFY-1). */
    prepareReport: assign(({ context }) => {
      const outcome = context.outcome ?? 'deviceAborted';
      return {
        report: {
          url: context.notifyURI ?? '',
          body: statusLine(outcome, context.options.numbering),
          outcome,
          attempts: 0,
        },
      };
    }),
    countAttempt: assign(({ context }) =>
      context.report ? { report: { ...context.report, attempts: context.report.attempts + 1 } } : {},
    ),
    markReported: assign({ reported: true }),
    /** DL-INST-12: the undelivered report stays queued for a later run. */
    queueReport: assign(({ context }) => {
      if (!context.report) return {};
      const { attempts: _attempts, ...report } = context.report;
      return { pendingReports: [...context.pendingReports, report] };
    }),
    /** DL-PR-10: start over with the updated descriptor. */
    followUpdate: assign(({ context }) => ({
      ddUrl: context.dd?.updatedDDURI ?? context.ddUrl,
      dd: undefined,
      parseFailure: undefined,
      objects: [],
      objectIndex: 0,
      transfer: freshTransfer(0),
      pauseCause: undefined,
      retrieved: [],
      outcome: undefined,
      reason: undefined,
      notifyURI: undefined,
      report: undefined,
      reported: false,
      updates: context.updates + 1,
      resumeRetries: 0,
    })),
    markCommitted: assign(({ context }) => ({ committed: context.retrieved })),
    /** DL-INST-12 note: the 900 of an object that is discarded is never queued (nor sent by a later run). */
    dropUndeliveredSuccess: assign(({ context }) => ({
      pendingReports: context.pendingReports.filter((r) => r.outcome !== 'success'),
    })),
    /** An earlier run's accepted 900 and install, recorded before it stopped (DL-INST-2, DL-INST-12 note). */
    recoverInstall: assign(({ event }) => {
      if (event.type !== 'INSTALL.RECOVERED') return {};
      return {
        outcome: 'success' as StatusOutcome,
        reason: 'installed by an earlier run whose 900 was accepted',
        reported: true,
        committed: event.files,
      };
    }),
  },
  guards: {
    descriptorVersionUnsupported: ({ context }) => context.parseFailure?.outcome === 'invalidDDVersion',
    descriptorInvalid: ({ context }) => context.parseFailure !== undefined || context.dd === undefined,
    productMissing: ({ context }) => context.dd?.products[context.options.productIndex] === undefined,
    notEnoughSpace: ({ context, event }) =>
      event.type === 'FREE_SPACE.MEASURED' && !hasEnoughSpace(event.bytes, context.objects, event.keptBytes),
    noSupportedType: ({ context }) => !allObjectsSupported(context.objects, context.options.supportedTypes),
    confirmationSkipped: ({ context }) =>
      !needsConfirmation(context.dd?.suppressUserConfirmation ?? 'Never', context.options.preConfirmed),
    objectMissing: ({ event }) => event.type === 'RESPONSE.HEADERS' && isObjectMissing(event.status),
    fullBody: ({ event }) => event.type === 'RESPONSE.HEADERS' && event.status === 200,
    fullBodyConflicts: ({ context, event }) => {
      const object = currentObject(context);
      return (
        event.type === 'RESPONSE.HEADERS' &&
        event.status === 200 &&
        !!object &&
        headerConflict(object, event) !== null
      );
    },
    objectUpdated: ({ context, event }) =>
      event.type === 'RESPONSE.HEADERS' &&
      acceptPartial(context.transfer, event) === 'changed' &&
      context.dd?.updatedDDURI !== undefined,
    resumeRestarts: ({ context, event }) => {
      if (event.type !== 'RESPONSE.HEADERS') return false;
      const answer = acceptPartial(context.transfer, event);
      return answer === 'restart' || (answer === 'changed' && context.dd?.updatedDDURI === undefined);
    },
    resumeRetries: ({ context, event }) =>
      event.type === 'RESPONSE.HEADERS' &&
      acceptPartial(context.transfer, event) === 'temporary' &&
      resumeRetryDelay(context.resumeRetries, context.options, retryAfterMs(event.retryAfter, event.date)) !==
        null,
    resumeTemporary: ({ context, event }) =>
      event.type === 'RESPONSE.HEADERS' && acceptPartial(context.transfer, event) === 'temporary',
    httpError: ({ context, event }) =>
      event.type === 'RESPONSE.HEADERS' && acceptPartial(context.transfer, event) === 'error',
    partialEncoded: ({ event }) => event.type === 'RESPONSE.HEADERS' && isEncodedPartial(event),
    partialAppends: ({ context, event }) =>
      event.type === 'RESPONSE.HEADERS' && acceptPartial(context.transfer, event) === 'append',
    isResumeRetryTimer: ({ context, event }) =>
      event.type === 'TIMER.FIRED' && event.name === 'resumeRetry' && context.pauseCause === 'serverBusy',
    transferResumable: ({ context }) => context.transfer.acceptRanges,
    keptComplete: ({ context }) =>
      context.transfer.acceptRanges && context.transfer.offset >= context.transfer.length,
    recoveredComplete: ({ event }) =>
      event.type === 'RESTART.RECOVERED' && recoveryPlan(event) === 'complete',
    recoveredResumes: ({ context, event }) =>
      event.type === 'RESTART.RECOVERED' &&
      recoveryPlan(event) === 'resume' &&
      context.options.resumePolicy.onRestart,
    recoveredKept: ({ event }) => event.type === 'RESTART.RECOVERED' && recoveryPlan(event) === 'resume',
    durableGrows: ({ context, event }) =>
      event.type === 'BODY.DURABLE' && durableOffsetGrows(context.transfer, event.offset),
    resumeOnNetworkBack: ({ context }) =>
      context.transfer.acceptRanges &&
      context.options.resumePolicy.onNetworkBack &&
      context.pauseCause === 'connectionLost',
    sizeMismatch: ({ context }) => {
      const object = currentObject(context);
      return !object || sizeConflict(object, context.transfer.offset) !== null;
    },
    moreObjects: ({ context }) => context.objectIndex + 1 < context.objects.length,
    installFailedWith: ({ event }, params: { reason: InstallFailure }) =>
      event.type === 'INSTALL.FAILED' && event.reason === params.reason,
    hasNotifyURI: ({ context }) => context.notifyURI !== undefined,
    canRetryReport: ({ context }) =>
      !!context.report && canRetryReport(context.report.attempts, context.options.maxReportAttempts),
    isReportRetryTimer: ({ event }) => event.type === 'TIMER.FIRED' && event.name === 'reportRetry',
    successDelivered: ({ context }) =>
      context.outcome === 'success' && (context.reported || context.notifyURI === undefined),
    successUndelivered: ({ context }) => context.outcome === 'success',
    shouldFollowUpdate: ({ context }) =>
      context.outcome === 'mediaObjectUpdated' &&
      context.dd?.updatedDDURI !== undefined &&
      context.updates < context.options.maxUpdates,
  },
});
