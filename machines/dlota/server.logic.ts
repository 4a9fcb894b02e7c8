/**
 * Server-side decisions of a DLOTA 2.0 Download Server for a media object request, as pure functions:
 * which status, which headers and which byte range. The reference server in `adapters/server` only moves
 * the bytes this decides on.
 *
 * Decisions (editor's notes on DL-PR-2, DL-SRV-1, DL-SRV-2):
 * - Preconditions are evaluated in RFC 9110 §13.2.2's order before Range (see server.preconditions.ts):
 *   If-Match (strong) or If-Unmodified-Since → 412; If-None-Match (weak) or If-Modified-Since → 304.
 * - If-Range (§13.1.5) with a stale validator → 200 and the whole object, never a 206 of the new one.
 * - One satisfiable `bytes=` range → 206. A malformed Range (B.6's bare `1034-25431` included) → 416
 *   with `Content-Range: bytes *\/<len>` and a note saying which form is accepted (§15.5.17); a Range
 *   in another unit is ignored (200, §14.2).
 * - HEAD gets exactly the GET's decision, Range and If-Range included (§9.3.2), without the body.
 * - Several ranges → 200 with the whole object (§14.2 lets a server ignore Range; express's `send` does
 *   the same): no `multipart/byteranges`, because a DLOTA agent asks one range (DL-PR-8) and a client
 *   asking several copes with a 200. A set that looks abusive (§14.2 security note: more than
 *   {@link MAX_RANGES} ranges, more than two overlapping ranges, or more than
 *   {@link MAX_UNORDERED_RANGES} ranges out of ascending order) is refused with 416 (§15.5.17).
 *
 * @module
 */
import rangeParser from 'range-parser';
import {
  evaluatePreconditions,
  formatHttpDate,
  ifRangeHolds,
  type Validators,
} from './server.preconditions.js';

export * from './server.preconditions.js';

/** The media object a request is about. */
export interface ServedObject {
  /** Length in bytes. */
  readonly length: number;
  /** Already in entity-tag-safe form (see {@link entityTagSafe}). */
  readonly objectID?: string;
  readonly objectVersion?: string;
  /** Last modification, whole seconds since the epoch; sent as `Last-Modified` and used by date preconditions. */
  readonly lastModified?: number;
}

/** The parts of a request that decide the response (raw header values). */
export interface MediaRequest {
  readonly method: 'GET' | 'HEAD';
  /** The raw `Range` header, if any. */
  readonly range?: string;
  /** The raw `If-Match` header, if any. */
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
  readonly ifRange?: string;
}

/** The decided response. */
export interface MediaDecision {
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly headers: Record<string, string>;
  /**
   * The inclusive byte range of the object the response carries (for HEAD: the one a GET would carry,
   * so Content-Length can be set); `null` when no object bytes are sent.
   */
  readonly body: { readonly start: number; readonly end: number } | null;
  /** Why, in words, for a refused or ignored precondition or range (also usable as an error body). */
  readonly note?: string;
}

/** Which request member holds each precondition field. */
const FIELD_KEYS = {
  'If-Match': 'ifMatch',
  'If-Unmodified-Since': 'ifUnmodifiedSince',
  'If-None-Match': 'ifNoneMatch',
  'If-Modified-Since': 'ifModifiedSince',
} as const;

/** More ranges than this in one Range header are refused as abusive (RFC 9110 §14.2, security). */
export const MAX_RANGES = 32;
/** More ranges than this out of ascending order are refused as abusive (RFC 9110 §14.2, security). */
export const MAX_UNORDERED_RANGES = 8;

/**
 * Whether a byte is an `etagc` (RFC 9110 §8.8.3): `%x21 / %x23-7E / obs-text`. obs-text (`%x80-FF`) is
 * legal but not ASCII, and Node refuses header text outside Latin-1, so only the ASCII ones count here
 * (and `%`, the escape character, does not).
 */
function isSafeEtagc(byte: number): boolean {
  return byte === 0x21 || (byte >= 0x23 && byte <= 0x7e && byte !== 0x25);
}

const utf8 = new TextEncoder();

/**
 * The entity-tag-safe form of an objectID or objectVersion (ours, DL-PR-3): its UTF-8 bytes, with every
 * byte that is not a printable ASCII `etagc` — space, `"`, controls, DEL, non-ASCII — and every `%`
 * written as `%XX` (upper-case hex). `my file.gif` → `my%20file.gif`, `q"x.gif` → `q%22x.gif`,
 * `图.gif` → `%E5%9B%BE.gif`. Always legal inside `"…"`, and two different names never share it. The DD
 * carries the same encoded objectID, so the ETag is still `objectID/objectVersion` of the DD.
 *
 * @see DL-PR-3
 */
export function entityTagSafe(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80 && isSafeEtagc(code)) {
      out += char;
      continue;
    }
    for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Whether text can stand between the quotes of an entity-tag as this server sends it (see {@link entityTagSafe}). */
export function isEntityTagSafe(text: string): boolean {
  return /^[\x21\x23-\x7e]*$/.test(text);
}

/**
 * The ETag of a media object whose DD gives objectID and objectVersion: `"objectID/objectVersion"`,
 * quoted as an entity-tag must be on the wire (DL-PR-3; the seed shows it unquoted, an erratum). Both
 * parts must already be entity-tag safe ({@link entityTagSafe}); a part that is not is an error.
 */
export function etagFor(objectID: string, objectVersion: string): string {
  if (!isEntityTagSafe(objectID) || !isEntityTagSafe(objectVersion)) {
    throw new Error(
      `DL-PR-3: objectID ${JSON.stringify(objectID)} / objectVersion ${JSON.stringify(objectVersion)} cannot stand in an entity-tag; encode it with entityTagSafe`,
    );
  }
  return `"${objectID}/${objectVersion}"`;
}

/**
 * RFC 9110 §14.1.3: a suffix range longer than the representation selects all of it (`bytes=-N`, N ≥ len > 0
 * → `bytes=0-`); range-parser would call it unsatisfiable.
 */
function widenLongSuffix(range: string, len: number): string {
  const suffix = /^\s*bytes\s*=\s*-(\d+)\s*$/.exec(range);
  return suffix && len > 0 && Number(suffix[1]) >= len ? 'bytes=0-' : range;
}

/**
 * RFC 9110 §14.2 (security considerations): whether a set of several ranges looks like a broken client or
 * a denial-of-service attempt — more than {@link MAX_RANGES} ranges, more than two ranges that overlap
 * another, or more than {@link MAX_UNORDERED_RANGES} ranges not in ascending order. `asked` counts the
 * ranges of the header; `ranges` are the satisfiable ones, in the header's order.
 *
 * @see DL-PR-2
 */
export function rangeSetAbusive(
  asked: number,
  ranges: readonly { readonly start: number; readonly end: number }[],
): boolean {
  if (asked > MAX_RANGES) return true;
  let ascending = true;
  for (let i = 1; i < ranges.length; i++) if (ranges[i]!.start < ranges[i - 1]!.start) ascending = false;
  if (!ascending && ranges.length > MAX_UNORDERED_RANGES) return true;
  let overlapping = 0;
  for (let i = 0; i < ranges.length; i++) {
    const a = ranges[i]!;
    if (ranges.some((b, j) => j !== i && a.start <= b.end && b.start <= a.end)) overlapping++;
  }
  return overlapping > 2;
}

/**
 * Decides the response to a GET or HEAD of a media object: `Accept-Ranges: bytes` always (DL-PR-1,
 * DL-PR-2), the ETag `"objectID/objectVersion"` when both are known (DL-PR-3) and `Last-Modified` when
 * known, on every status; the preconditions in RFC 9110 §13.2.2's order (DL-SRV-1), then If-Range
 * (DL-SRV-2), then Range: one satisfiable `bytes=` range → 206 with Content-Range (DL-EX-B6), otherwise
 * see the module notes.
 */
export function decideMediaResponse(object: ServedObject, request: MediaRequest): MediaDecision {
  const len = object.length;
  const headers: Record<string, string> = { 'Accept-Ranges': 'bytes' };
  const etag =
    object.objectID !== undefined && object.objectVersion !== undefined
      ? etagFor(object.objectID, object.objectVersion)
      : undefined;
  if (etag !== undefined) headers.ETag = etag;
  if (object.lastModified !== undefined) headers['Last-Modified'] = formatHttpDate(object.lastModified);
  const validators: Validators = {
    ...(etag === undefined ? {} : { etag }),
    ...(object.lastModified === undefined ? {} : { lastModified: object.lastModified }),
  };
  const whole = len > 0 ? { start: 0, end: len - 1 } : null;

  // RFC 9110 §13.2.2 steps 1–4: the preconditions come before Range; a failing If-Match is 412 even with
  // a Range (DL-PR-10's server side).
  const pre = evaluatePreconditions(validators, request);
  if (pre.outcome !== 'proceed') {
    const byTag = pre.field === 'If-Match' || pre.field === 'If-None-Match';
    const current = byTag ? `ETag ${etag ?? '(none)'}` : `Last-Modified ${headers['Last-Modified']}`;
    return {
      status: pre.status,
      headers,
      body: null,
      note: `${pre.field}: ${request[FIELD_KEYS[pre.field]]} → ${pre.status} (current ${current})`,
    };
  }
  // RFC 9110 §14.2 defines Range for GET; HEAD is "identical to GET" without content (§9.3.2), so it gets
  // the same decision (ours, as Apache httpd does): a HEAD shows what the GET would answer.
  if (request.range === undefined) return { status: 200, headers, body: whole };
  // RFC 9110 §13.2.2 step 5, §13.1.5: a stale If-Range → the whole object, never a 206 of the new one.
  if (request.ifRange !== undefined && !ifRangeHolds(request.ifRange, validators)) {
    return { status: 200, headers, body: whole, note: `If-Range ${request.ifRange} is stale: whole object` };
  }

  const unsatisfiable = (note: string): MediaDecision => ({
    status: 416,
    headers: { ...headers, 'Content-Range': `bytes */${len}` },
    body: null,
    note,
  });
  const parsed = rangeParser(len, widenLongSuffix(request.range, len));
  if (parsed === -2) {
    return unsatisfiable(`malformed Range "${request.range}": the accepted form is "bytes=first-last"`);
  }
  if (parsed === -1) return unsatisfiable(`Range "${request.range}" is not satisfiable for ${len} bytes`);
  if (parsed.type !== 'bytes') {
    return { status: 200, headers, body: whole, note: `Range unit "${parsed.type}" ignored; only bytes` };
  }
  // Counted on the raw header: range-parser silently drops unsatisfiable parts of a multi-range.
  const asked = request.range.slice(request.range.indexOf('=') + 1).split(',').length;
  if (asked > 1) {
    if (rangeSetAbusive(asked, parsed)) {
      return unsatisfiable(
        `Range "${request.range.slice(0, 200)}" asks ${asked} ranges: refused (more than ${MAX_RANGES}, overlapping or out of order)`,
      );
    }
    return { status: 200, headers, body: whole, note: `${asked} ranges asked: the whole object is sent` };
  }
  const { start, end } = parsed[0]!;
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${len}` },
    body: { start, end },
  };
}
