/**
 * Server-side decisions of a DLOTA 2.0 Download Server for a media object request, as pure functions:
 * which status, which headers and which byte range. The reference server in `adapters/server` only moves
 * the bytes this decides on.
 *
 * Decisions (editor's notes): If-Match is evaluated before Range with strong comparison (RFC 9110
 * §13.1.1, §13.2.2); a malformed Range (B.6's bare `1034-25431` included) and a multi-range request
 * are answered 416 with `Content-Range: bytes *\/<len>` and a note saying which form is accepted
 * (RFC 9110 §15.5.17 lets 416 reject invalid ranges; the reference server accepts only valid,
 * single `bytes=` ranges, DL-PR-8); a Range in another unit is ignored (200), as RFC 9110 §14.2 requires.
 *
 * @module
 */
import rangeParser from 'range-parser';

/** The media object a request is about. */
export interface ServedObject {
  /** Length in bytes. */
  readonly length: number;
  readonly objectID?: string;
  readonly objectVersion?: string;
}

/** The parts of a request that decide the response. */
export interface MediaRequest {
  readonly method: 'GET' | 'HEAD';
  /** The raw `Range` header, if any. */
  readonly range?: string;
  /** The raw `If-Match` header, if any. */
  readonly ifMatch?: string;
}

/** The decided response. */
export interface MediaDecision {
  readonly status: 200 | 206 | 412 | 416;
  readonly headers: Record<string, string>;
  /**
   * The inclusive byte range of the object the response carries (for HEAD: the one a GET would carry,
   * so Content-Length can be set); `null` when no object bytes are sent.
   */
  readonly body: { readonly start: number; readonly end: number } | null;
  /** Why, in words, for a refused or ignored precondition or range (also usable as an error body). */
  readonly note?: string;
}

/**
 * The ETag of a media object whose DD gives objectID and objectVersion: `"objectID/objectVersion"`,
 * quoted as an entity-tag must be on the wire (DL-PR-3; the seed shows it unquoted, an erratum).
 */
export function etagFor(objectID: string, objectVersion: string): string {
  return `"${objectID}/${objectVersion}"`;
}

/** One entity-tag of an If-Match list. */
export interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/**
 * Reads an If-Match value: `*`, or a list of entity-tags. A value that is not a quoted list is read as
 * one bare opaque tag (the seed's B.6 sends `If-Match: fasd987sadf98@example.com/1.1` unquoted).
 */
export function parseIfMatch(value: string): '*' | EntityTag[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags: EntityTag[] = [];
  const pattern = /\s*(W\/)?"([^"]*)"\s*(?:,|$)/y;
  let match = pattern.exec(trimmed);
  while (match !== null) {
    tags.push({ weak: match[1] !== undefined, opaque: match[2] ?? '' });
    if (pattern.lastIndex >= trimmed.length) return tags;
    match = pattern.exec(trimmed);
  }
  return [{ weak: false, opaque: trimmed }];
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and the same opaque tag; a weak tag never matches. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Whether an If-Match header lets the request through for an object with this ETag (or none). */
export function ifMatchPasses(ifMatch: string, currentEtag: string | undefined): boolean {
  const parsed = parseIfMatch(ifMatch);
  if (parsed === '*') return true;
  if (currentEtag === undefined) return false;
  const current = parseIfMatch(currentEtag);
  if (current === '*' || current.length !== 1) return false;
  const tag = current[0]!;
  return parsed.some((candidate) => strongMatch(candidate, tag));
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
 * Decides the response to a GET or HEAD of a media object: `Accept-Ranges: bytes` always (DL-PR-1,
 * DL-PR-2), the ETag `"objectID/objectVersion"` when both are known (DL-PR-3), If-Match before Range,
 * one satisfiable `bytes=` range → 206 with Content-Range (DL-EX-B6), otherwise see the module notes.
 */
export function decideMediaResponse(object: ServedObject, request: MediaRequest): MediaDecision {
  const len = object.length;
  const headers: Record<string, string> = { 'Accept-Ranges': 'bytes' };
  const etag =
    object.objectID !== undefined && object.objectVersion !== undefined
      ? etagFor(object.objectID, object.objectVersion)
      : undefined;
  if (etag !== undefined) headers.ETag = etag;
  const whole = len > 0 ? { start: 0, end: len - 1 } : null;

  // RFC 9110 §13.2.2: If-Match is evaluated before Range; a failing one is 412 even with a Range.
  if (request.ifMatch !== undefined && !ifMatchPasses(request.ifMatch, etag)) {
    return {
      status: 412,
      headers,
      body: null,
      note: `If-Match ${request.ifMatch} does not match the current ETag ${etag ?? '(none)'}`,
    };
  }
  // Range only applies to GET (RFC 9110 §14.2).
  if (request.method !== 'GET' || request.range === undefined) return { status: 200, headers, body: whole };

  const unsatisfiable = (note: string): MediaDecision => ({
    status: 416,
    headers: { ...headers, 'Content-Range': `bytes */${len}` },
    body: null,
    note,
  });
  const parsed = rangeParser(len, widenLongSuffix(request.range, len));
  if (parsed === -2) {
    return unsatisfiable(`malformed Range "${request.range}": only one "bytes=first-last" range is accepted`);
  }
  if (parsed === -1) return unsatisfiable(`Range "${request.range}" is not satisfiable for ${len} bytes`);
  if (parsed.type !== 'bytes') {
    return { status: 200, headers, body: whole, note: `Range unit "${parsed.type}" ignored; only bytes` };
  }
  // Counted on the raw header: range-parser silently drops unsatisfiable parts of a multi-range.
  const asked = request.range.slice(request.range.indexOf('=') + 1).split(',').length;
  if (asked !== 1 || parsed.length !== 1) {
    return unsatisfiable(`Range "${request.range}" asks ${asked} ranges: only one range is accepted`);
  }
  const { start, end } = parsed[0]!;
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${len}` },
    body: { start, end },
  };
}
