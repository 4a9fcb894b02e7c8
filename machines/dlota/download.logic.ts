/**
 * Pure decisions of the DLOTA agent: every guard of `dlotaMachine` calls one of these, so each protocol
 * rule can be tested on its own and the chart stays plain data.
 *
 * @module
 */

import { mediaTypeEssence } from './descriptor.fields.js';
import type { MediaObject, SuppressUserConfirmation } from './descriptor.types.js';
import type {
  DownloadContext,
  DownloadFile,
  DownloadInput,
  DownloadOptions,
  DownloadOutput,
  InstallFailure,
  Transfer,
} from './download.types.js';
import { type StatusOutcome, statusCode, statusLine } from './status.js';

/** Default report attempts before a report is left queued (ours; Tizen uses 3). */
export const DEFAULT_MAX_REPORT_ATTEMPTS = 3;
/** Default base delay of the report retry back-off in milliseconds (ours). */
export const DEFAULT_REPORT_RETRY_MS = 2000;
/** Default number of updated descriptors one run follows after 412 (ours; bounds a 412 loop). */
export const DEFAULT_MAX_UPDATES = 3;

/** The input with defaults applied. */
export function resolveOptions(input: DownloadInput): DownloadOptions {
  return {
    supportedTypes: input.supportedTypes ?? [],
    preConfirmed: input.preConfirmed ?? false,
    numbering: input.numbering ?? 'seed',
    maxReportAttempts: Math.max(1, input.maxReportAttempts ?? DEFAULT_MAX_REPORT_ATTEMPTS),
    reportRetryMs: Math.max(0, input.reportRetryMs ?? DEFAULT_REPORT_RETRY_MS),
    resumePolicy: {
      onNetworkBack: input.resumePolicy?.onNetworkBack ?? true,
      onRestart: input.resumePolicy?.onRestart ?? true,
    },
    productIndex: input.productIndex ?? 0,
    maxUpdates: Math.max(0, input.maxUpdates ?? DEFAULT_MAX_UPDATES),
  };
}

/**
 * Whether an `Accept-Ranges` header value exposes byte ranges (`bytes`, case-insensitive, in a list);
 * without it the agent never resumes (DL-PR-12).
 */
export function exposesByteRanges(acceptRanges: string | undefined): boolean {
  if (acceptRanges === undefined) return false;
  return acceptRanges
    .split(',')
    .map((unit) => unit.trim().toLowerCase())
    .includes('bytes');
}

/**
 * The one Range of a resume: exactly the bytes not yet durably on disk, `bytes=<kept>-<length-1>`
 * (DL-PR-7), never more than one range (DL-PR-8).
 */
export function resumeRange(kept: number, length: number): string {
  return `bytes=${kept}-${length - 1}`;
}

/** A parsed `Content-Range: bytes <first>-<last>/<length>`; `length` is null for `*`. */
export interface ContentRange {
  readonly first: number;
  readonly last: number;
  readonly length: number | null;
}

/** Parses a satisfied Content-Range (`bytes 1034-25431/25432`); `null` for anything else. */
export function parseContentRange(value: string | undefined): ContentRange | null {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? '');
  if (!match) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const length = match[3] === '*' ? null : Number(match[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return null;
  if (length !== null && (!Number.isSafeInteger(length) || last >= length)) return null;
  return { first, last, length };
}

/** What the agent kept of a paused retrieval. */
export interface KeptRange {
  /** Bytes durably on disk. */
  readonly offset: number;
  /** The object's full length. */
  readonly length: number;
}

/**
 * What to do with the response to a resume (DL-PR-11 and its decision): a 206 whose Content-Range
 * starts at the kept offset and ends at the known length → `append`; a 200 (range ignored) →
 * `restart` from byte 0, never appended; anything else → `reject` (952, nothing corrupt is kept).
 */
export function acceptPartial(
  kept: KeptRange,
  response: { readonly status: number; readonly contentRange?: string; readonly contentEncoding?: string },
): 'append' | 'restart' | 'reject' {
  if (response.status === 200) return 'restart';
  if (response.status !== 206 || isEncodedPartial(response)) return 'reject';
  const range = parseContentRange(response.contentRange);
  if (range === null || range.length === null) return 'reject';
  return range.first === kept.offset && range.last === kept.length - 1 && range.length === kept.length
    ? 'append'
    : 'reject';
}

/**
 * Whether a response is a 206 whose bytes are content-encoded (`Content-Encoding` other than `identity`):
 * encoded bytes are not the object's bytes at the Content-Range offsets, so they are never appended
 * (stack.md sharp edge 8; DL-PR-11 appends only the object's own range) → 952, nothing corrupt kept.
 */
export function isEncodedPartial(response: {
  readonly status: number;
  readonly contentEncoding?: string;
}): boolean {
  if (response.status !== 206 || response.contentEncoding === undefined) return false;
  return response.contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .some((coding) => coding !== '' && coding !== 'identity');
}

/** A kept range as a journal recorded it before a crash. */
export interface RecoveredRange extends KeptRange {
  /** Whether the server that sent the kept bytes exposed `Accept-Ranges: bytes`; absent = unknown. */
  readonly acceptRanges?: boolean;
}

/**
 * What a restart does with a journal found before the object's first request: `complete` (every byte
 * kept: no request, straight to the attribute check), `resume` (one Range + If-Match for the rest,
 * DL-PR-7/9) — both only when the kept range came from a server that sent `Accept-Ranges: bytes`
 * (DL-PR-12) — else `restart` (nothing resumable kept: discard it, GET from byte 0).
 */
export function recoveryPlan(kept: RecoveredRange): 'complete' | 'resume' | 'restart' {
  if (kept.acceptRanges !== true || !(kept.length > 0)) return 'restart';
  if (kept.offset >= kept.length) return 'complete';
  return kept.offset > 0 ? 'resume' : 'restart';
}

/**
 * Whether a durable offset reported after a pause moves the kept range: it only grows and never past the
 * object's length (the resume Range then starts at what is durably on disk, stack.md sharp edge 8).
 */
export function durableOffsetGrows(kept: KeptRange, offset: number): boolean {
  return Number.isSafeInteger(offset) && offset > kept.offset && offset <= kept.length;
}

/** Whether a status says the object does not exist: 404 or 410 → 954 Loader Error (DL-RET-3). */
export function isObjectMissing(status: number): boolean {
  return status === 404 || status === 410;
}

/** Whether a media type is matched by a supported pattern (`image/gif`, `image/*`, `*\/*`). */
export function typeMatches(type: string, pattern: string): boolean {
  const t = mediaTypeEssence(type);
  const p = mediaTypeEssence(pattern);
  if (p === '*/*' || p === t) return true;
  return p.endsWith('/*') && t.startsWith(p.slice(0, -1));
}

/** Whether at least one of an object's types is supported (DL-STEP-4); otherwise 953. */
export function isTypeSupported(types: readonly string[], supported: readonly string[]): boolean {
  return types.some((type) => supported.some((pattern) => typeMatches(type, pattern)));
}

/** Whether every object of the product has a supported type (DL-STEP-4). */
export function allObjectsSupported(objects: readonly MediaObject[], supported: readonly string[]): boolean {
  return objects.every((object) => isTypeSupported(object.types, supported));
}

/** Bytes the product needs: the sum of its objects' sizes (installSize where larger). */
export function requiredBytes(objects: readonly MediaObject[]): number {
  return objects.reduce((sum, object) => sum + Math.max(object.size, object.installSize ?? 0), 0);
}

/** Whether the measured free space holds the product (DL-STEP-3); otherwise 901. */
export function hasEnoughSpace(freeBytes: number, objects: readonly MediaObject[]): boolean {
  return Number.isFinite(freeBytes) && freeBytes >= requiredBytes(objects);
}

/** Whether the user must be asked (DL-STEP-5): not when the caller pre-confirmed or the DD suppresses it. */
export function needsConfirmation(suppress: SuppressUserConfirmation, preConfirmed: boolean): boolean {
  return !preConfirmed && suppress === 'Never';
}

/**
 * Why a media object response conflicts with the DD's attributes (DL-INST-10 → 905), or `null`: a
 * Content-Length other than the DD size, or a Content-Type outside the DD types (a generic
 * `application/octet-stream` is tolerated; servers send it for anything).
 */
export function headerConflict(
  object: MediaObject,
  headers: { readonly contentLength?: number; readonly contentType?: string },
): string | null {
  if (headers.contentLength !== undefined && headers.contentLength !== object.size) {
    return `Content-Length ${headers.contentLength} differs from the DD size ${object.size}`;
  }
  const type = headers.contentType === undefined ? '' : mediaTypeEssence(headers.contentType);
  if (type !== '' && type !== 'application/octet-stream' && !object.types.some((t) => typeMatches(type, t))) {
    return `Content-Type ${type} is not among the DD types ${object.types.join(', ')}`;
  }
  return null;
}

/** Why the retrieved bytes conflict with the DD size (DL-INST-10 → 905), or `null`. */
export function sizeConflict(object: MediaObject, durableBytes: number): string | null {
  return durableBytes === object.size ? null : `retrieved ${durableBytes} bytes, the DD says ${object.size}`;
}

/** The outcome an installer failure reports (DL-INST-7, DL-INST-8, DL-INST-9, DL-INST-10). */
export function installFailureOutcome(reason: InstallFailure): StatusOutcome {
  return reason;
}

/** Whether a report that failed `attempts` times may be tried again (DL-INST-12: bounded). */
export function canRetryReport(attempts: number, maxAttempts: number): boolean {
  return attempts < maxAttempts;
}

/** The back-off before report attempt `attempts + 1`: base × 2^(attempts − 1). */
export function reportRetryDelay(attempts: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, attempts - 1);
}

/** The installer's view of a media object. */
export function toFile(object: MediaObject): DownloadFile {
  return {
    objectURI: object.objectURIs[0] ?? '',
    size: object.size,
    types: object.types,
    ...(object.objectID === undefined ? {} : { objectID: object.objectID }),
    ...(object.objectVersion === undefined ? {} : { objectVersion: object.objectVersion }),
    ...(object.installParam === undefined ? {} : { installParam: object.installParam }),
  };
}

/** The media object being retrieved, if any. */
export function currentObject(context: DownloadContext): MediaObject | undefined {
  return context.objects[context.objectIndex];
}

/** A fresh transfer for an object of `size` bytes: nothing on disk, ranges not (yet) exposed. */
export function freshTransfer(size: number): Transfer {
  return { offset: 0, length: size, acceptRanges: false };
}

/** The context a run starts with. */
export function initialContext(input: DownloadInput): DownloadContext {
  return {
    options: resolveOptions(input),
    ddUrl: input.ddUrl,
    objects: [],
    objectIndex: 0,
    transfer: freshTransfer(0),
    retrieved: [],
    reported: false,
    pendingReports: [],
    updates: 0,
    committed: [],
  };
}

/** The machine's output, read from the final context (DL-NEXT-1: nextURL after success and failure). */
export function buildOutput(context: DownloadContext): DownloadOutput {
  const outcome = context.outcome ?? 'deviceAborted';
  const installed = context.committed.length > 0;
  return {
    outcome,
    statusCode: statusCode(outcome, context.options.numbering),
    statusLine: statusLine(outcome, context.options.numbering),
    reported: context.reported,
    installed,
    ...(context.reason === undefined ? {} : { reason: context.reason }),
    ...(context.dd?.nextURL === undefined ? {} : { nextURL: context.dd.nextURL }),
    files: context.committed,
    pendingReports: context.pendingReports,
  };
}

/** DL-NOTIFY-1: a status report counts as delivered only when the POST is answered 200. */
export function reportDelivered(status: number): boolean {
  return status === 200;
}

/** Only a 2xx answer to the descriptor GET carries a descriptor; anything else is DESCRIPTOR.FAILED. */
export function descriptorReceived(status: number): boolean {
  return status >= 200 && status < 300;
}
