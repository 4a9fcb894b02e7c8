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
/** Default base delay before a resume answered by a temporary error is tried again (ours). */
export const DEFAULT_RESUME_RETRY_MS = 2000;
/** Default retries of a resume answered by temporary errors before the retrieval stays paused (ours). */
export const DEFAULT_MAX_RESUME_RETRIES = 3;
/** Default longest wait (back-off or Retry-After) the agent waits by itself before a retry (ours). */
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;

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
    resumeRetryMs: Math.max(0, input.resumeRetryMs ?? DEFAULT_RESUME_RETRY_MS),
    maxResumeRetries: Math.max(0, input.maxResumeRetries ?? DEFAULT_MAX_RESUME_RETRIES),
    maxRetryWaitMs: Math.max(0, input.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS),
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
  /** The ETag the kept bytes came with, as received. */
  readonly etag?: string;
  /** The `Last-Modified` the kept bytes came with, as received. */
  readonly lastModified?: string;
}

/** Whether an ETag is strong (not `W/"…"`): only a strong one may go in `If-Match` or prove a 206 fits (RFC 9110 §8.8.3). */
export function isStrongETag(etag: string | undefined): etag is string {
  return etag !== undefined && etag.trim() !== '' && !/^\s*W\//.test(etag);
}

/**
 * The preconditions of a resume (DL-PR-9 and its decision): `If-Match` with the kept ETag when it is strong;
 * otherwise `If-Unmodified-Since` with the kept `Last-Modified`; otherwise none (the 206 is then not
 * appended, see {@link acceptPartial}). A weak ETag never goes in `If-Match`: strong comparison always fails
 * and an unchanged object would be answered 412.
 */
export function resumePreconditions(kept: KeptRange): { ifMatch?: string; ifUnmodifiedSince?: string } {
  if (isStrongETag(kept.etag)) return { ifMatch: kept.etag };
  if (kept.lastModified !== undefined) return { ifUnmodifiedSince: kept.lastModified };
  return {};
}

/**
 * Whether a response carries the kept range's validator (RFC 9110 §15.3.7.3: parts are combined only when
 * they share a strong validator): the same strong ETag by strong comparison; with no strong ETag kept (or
 * none answered), the same `Last-Modified`. `null` when the kept range has no validator to compare.
 */
export function sameValidator(
  kept: KeptRange,
  response: { readonly etag?: string; readonly lastModified?: string },
): boolean | null {
  if (isStrongETag(kept.etag) && response.etag !== undefined) return response.etag === kept.etag;
  if (kept.lastModified !== undefined) return response.lastModified === kept.lastModified;
  return isStrongETag(kept.etag) ? false : null;
}

/** A parsed unsatisfied-range `Content-Range: bytes *\/<length>` (a 416 names the current length). */
export function parseUnsatisfiedRange(value: string | undefined): number | null {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value ?? '');
  const length = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(length) ? length : null;
}

/** Statuses that say "not now" rather than "not this": a resume answered so keeps its range (DL-PR-4). */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** The answer to a resume as the machine reads it. */
export type ResumeAnswer = 'append' | 'restart' | 'changed' | 'temporary' | 'reject' | 'error';

/** The facts of a response to a resume that {@link acceptPartial} reads. */
export interface ResumeResponse {
  readonly status: number;
  readonly contentRange?: string;
  readonly contentEncoding?: string;
  readonly etag?: string;
  readonly lastModified?: string;
}

/**
 * What to do with the response to a resume (DL-PR-9…11 and their decisions):
 * - `append`: a 206 whose Content-Range starts at the kept offset and ends at the known length, carrying the
 *   kept validator (same strong ETag, else same Last-Modified);
 * - `changed`: the object is not the one the kept bytes came from — 412; a fitting 206 with another
 *   validator (a server that ignores If-Match); a 416 whose `*\/<length>` is another length;
 * - `restart`: a 200 (range ignored), or a fitting 206 when nothing was kept to compare it with: GET from 0;
 * - `temporary`: 408, 429, 5xx, or a 416 naming our own length with our validator (the server contradicts
 *   itself): keep the range;
 * - `reject`: a 206 that does not fit or is content-encoded (952, nothing corrupt kept);
 * - `error`: any other status (954).
 */
export function acceptPartial(kept: KeptRange, response: ResumeResponse): ResumeAnswer {
  const { status } = response;
  if (status === 200) return 'restart';
  if (status === 412) return 'changed';
  if (status === 416) {
    const length = parseUnsatisfiedRange(response.contentRange);
    return length === kept.length && sameValidator(kept, response) === true ? 'temporary' : 'changed';
  }
  if (isTemporaryStatus(status)) return 'temporary';
  if (status !== 206) return 'error';
  if (isEncodedPartial(response)) return 'reject';
  const range = parseContentRange(response.contentRange);
  if (range === null || range.length === null) return 'reject';
  const fits = range.first === kept.offset && range.last === kept.length - 1 && range.length === kept.length;
  if (!fits) return 'reject';
  const same = sameValidator(kept, response);
  if (same === null) return 'restart';
  return same ? 'append' : 'changed';
}

/**
 * Milliseconds from the response to the moment its `Retry-After` names (RFC 9110 §10.2.3): delta-seconds,
 * or an IMF-fixdate measured from the response's own `Date` (no clock is read); `null` when absent or unreadable.
 */
export function retryAfterMs(retryAfter: string | undefined, date: string | undefined): number | null {
  if (retryAfter === undefined) return null;
  const value = retryAfter.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = parseImfFixdate(value);
  const now = date === undefined ? null : parseImfFixdate(date.trim());
  return at === null || now === null ? null : Math.max(0, at - now);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Milliseconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), computed without `Date`. */
export function parseImfFixdate(value: string): number | null {
  const m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) return null;
  const [day, year, h, min, sec] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  // Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil).
  const y = month < 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 10) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + min) * 60_000 + sec * 1000;
}

/**
 * The wait before retry `retries + 1` of a resume answered by a temporary error: the back-off
 * `base × 2^retries`, or the server's Retry-After when longer; `null` when no retry is left or the wait is
 * longer than `maxWaitMs` (the retrieval then stays paused with its range; a rerun or the user resumes).
 */
export function resumeRetryDelay(
  retries: number,
  options: {
    readonly resumeRetryMs: number;
    readonly maxResumeRetries: number;
    readonly maxRetryWaitMs: number;
  },
  retryAfter: number | null,
): number | null {
  if (retries >= options.maxResumeRetries) return null;
  const wait = Math.max(options.resumeRetryMs * 2 ** retries, retryAfter ?? 0);
  return wait <= options.maxRetryWaitMs ? wait : null;
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

/**
 * Whether the measured free space holds what is still to fetch (DL-STEP-3 and its decision): the product's
 * bytes less those already kept on the device for it; otherwise 901.
 */
export function hasEnoughSpace(freeBytes: number, objects: readonly MediaObject[], keptBytes = 0): boolean {
  const kept = Number.isSafeInteger(keptBytes) && keptBytes > 0 ? keptBytes : 0;
  return Number.isFinite(freeBytes) && freeBytes >= Math.max(0, requiredBytes(objects) - kept);
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
    resumeRetries: 0,
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
