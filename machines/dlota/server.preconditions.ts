/**
 * Conditional requests on the server side (RFC 9110 §13), as pure functions: HTTP-date parsing and
 * formatting (§5.6.7), entity-tag lists and their comparisons (§8.8.3.2), the evaluation order of the
 * preconditions (§13.2.2) and If-Range (§13.1.5). Times are whole seconds since the epoch, passed in;
 * nothing here reads a clock.
 *
 * @module
 */

/** One entity-tag of an If-Match / If-None-Match list. */
export interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/**
 * Reads an If-Match or If-None-Match value: `*`, or a list of entity-tags. A value that is not a quoted
 * list is read as one bare opaque tag (the seed's B.6 sends `If-Match: fasd987sadf98@example.com/1.1`
 * unquoted).
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

/** Weak comparison (RFC 9110 §8.8.3.2): the same opaque tag, either or both may be weak. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** The one entity-tag of an `ETag` field value, or undefined when it is not exactly one tag. */
function currentTag(etag: string | undefined): EntityTag | undefined {
  if (etag === undefined) return undefined;
  const parsed = parseIfMatch(etag);
  return parsed === '*' || parsed.length !== 1 ? undefined : parsed[0];
}

/**
 * RFC 9110 §13.1.1: whether an If-Match header lets the request through for a representation with this
 * ETag (or none). `*` passes (the object exists); otherwise some listed tag must match strongly.
 */
export function ifMatchPasses(ifMatch: string, currentEtag: string | undefined): boolean {
  const parsed = parseIfMatch(ifMatch);
  if (parsed === '*') return true;
  const tag = currentTag(currentEtag);
  return tag !== undefined && parsed.some((candidate) => strongMatch(candidate, tag));
}

/**
 * RFC 9110 §13.1.2: whether an If-None-Match header lets the request through: false when `*` (the object
 * exists) or when some listed tag matches the current ETag by weak comparison.
 */
export function ifNoneMatchPasses(ifNoneMatch: string, currentEtag: string | undefined): boolean {
  const parsed = parseIfMatch(ifNoneMatch);
  if (parsed === '*') return false;
  const tag = currentTag(currentEtag);
  return tag === undefined || !parsed.some((candidate) => weakMatch(candidate, tag));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12); Howard Hinnant's days_from_civil. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (inverse of {@link daysFromCivil}). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * RFC 9110 §5.6.7: the IMF-fixdate of a time in whole seconds since the epoch, e.g.
 * `Sun, 06 Nov 1994 08:49:37 GMT` (the form a sender generates).
 */
export function formatHttpDate(seconds: number): string {
  const whole = Math.floor(seconds);
  const days = Math.floor(whole / 86400);
  const secs = whole - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const weekday = DAYS[(((days + 4) % 7) + 7) % 7]!;
  const time = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  return `${weekday}, ${pad(day)} ${MONTHS[month - 1]} ${pad(year, 4)} ${time} GMT`;
}

function toSeconds(year: number, monthName: string, day: number, h: number, m: number, s: number) {
  const month = MONTHS.indexOf(monthName as (typeof MONTHS)[number]) + 1;
  if (month === 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return undefined;
  // A day past the month's end (e.g. 31 Feb) is not a date.
  if (civilFromDays(daysFromCivil(year, month, day)).month !== month) return undefined;
  return daysFromCivil(year, month, day) * 86400 + h * 3600 + m * 60 + Math.min(s, 59);
}

/**
 * RFC 9110 §5.6.7: reads an HTTP-date in any of the three forms a recipient must accept (IMF-fixdate,
 * obsolete RFC 850 with a two-digit year read per §5.6.7's 50-year rule against the year 2000 pivot, and
 * asctime); undefined when the value is not one (a precondition with an invalid date is ignored,
 * §13.1.3, §13.1.4).
 */
export function parseHttpDate(value: string): number | undefined {
  const text = value.trim();
  const fix =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text);
  if (fix) {
    const [, , d, mon, y, h, m, s] = fix;
    return toSeconds(Number(y), mon!, Number(d), Number(h), Number(m), Number(s));
  }
  const rfc850 = /^([A-Z][a-z]+), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text);
  if (rfc850 && (LONG_DAYS as readonly string[]).includes(rfc850[1]!)) {
    const [, , d, mon, yy, h, m, s] = rfc850;
    // Ours: without a clock, a two-digit year is read as 1970–2069 (RFC 9110 §5.6.7 wants "the most
    // recent year in the past that had the same last two digits" when more than 50 years ahead).
    const year = Number(yy) < 70 ? 2000 + Number(yy) : 1900 + Number(yy);
    return toSeconds(year, mon!, Number(d), Number(h), Number(m), Number(s));
  }
  const asctime =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text);
  if (asctime) {
    const [, , mon, d, h, m, s, y] = asctime;
    return toSeconds(Number(y), mon!, Number(d!.trim()), Number(h), Number(m), Number(s));
  }
  return undefined;
}

/** The validators of the selected representation. */
export interface Validators {
  /** The `ETag` field value (quoted), if the representation has one. */
  readonly etag?: string;
  /** Last modification, whole seconds since the epoch, if known. */
  readonly lastModified?: number;
}

/** The precondition fields of a request (raw header values). */
export interface Preconditions {
  readonly method: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
}

/** What the preconditions decide: go on with the method, or answer 304 / 412 now, saying which field. */
export type PreconditionOutcome =
  | { readonly outcome: 'proceed' }
  | {
      readonly outcome: 'not-modified' | 'failed';
      readonly status: 304 | 412;
      readonly field: 'If-Match' | 'If-Unmodified-Since' | 'If-None-Match' | 'If-Modified-Since';
    };

const PROCEED: PreconditionOutcome = Object.freeze({ outcome: 'proceed' });

/**
 * RFC 9110 §13.2.2, steps 1–4 (step 5, If-Range, is {@link ifRangeHolds}): If-Match, else
 * If-Unmodified-Since → 412; If-None-Match → 304 for GET/HEAD, 412 otherwise; else for GET/HEAD
 * If-Modified-Since → 304. A date field that does not parse, or a date field when the representation has
 * no modification date, is ignored (§13.1.3, §13.1.4).
 *
 * @see DL-SRV-1
 */
export function evaluatePreconditions(v: Validators, request: Preconditions): PreconditionOutcome {
  const safe = request.method === 'GET' || request.method === 'HEAD';
  // Step 1: If-Match (§13.1.1).
  if (request.ifMatch !== undefined) {
    if (!ifMatchPasses(request.ifMatch, v.etag)) return { outcome: 'failed', status: 412, field: 'If-Match' };
  } else if (request.ifUnmodifiedSince !== undefined && v.lastModified !== undefined) {
    // Step 2: If-Unmodified-Since only without If-Match (§13.1.4).
    const date = parseHttpDate(request.ifUnmodifiedSince);
    if (date !== undefined && v.lastModified > date)
      return { outcome: 'failed', status: 412, field: 'If-Unmodified-Since' };
  }
  // Step 3: If-None-Match (§13.1.2).
  if (request.ifNoneMatch !== undefined) {
    if (!ifNoneMatchPasses(request.ifNoneMatch, v.etag)) {
      return safe
        ? { outcome: 'not-modified', status: 304, field: 'If-None-Match' }
        : { outcome: 'failed', status: 412, field: 'If-None-Match' };
    }
  } else if (safe && request.ifModifiedSince !== undefined && v.lastModified !== undefined) {
    // Step 4: If-Modified-Since only for GET/HEAD and only without If-None-Match (§13.1.3).
    const date = parseHttpDate(request.ifModifiedSince);
    if (date !== undefined && v.lastModified <= date)
      return { outcome: 'not-modified', status: 304, field: 'If-Modified-Since' };
  }
  return PROCEED;
}

/**
 * RFC 9110 §13.1.5: whether an If-Range validator still names the current representation, so the Range
 * may be honoured. An entity-tag must match the current ETag by strong comparison (a weak tag never
 * does); a date must equal the Last-Modified exactly. Anything else (no validator to compare, a value
 * that is neither) does not hold: the server then sends the whole object with 200.
 *
 * @see DL-SRV-2
 */
export function ifRangeHolds(ifRange: string, v: Validators): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const parsed = parseIfMatch(value);
    const tag = currentTag(v.etag);
    return parsed !== '*' && parsed.length === 1 && tag !== undefined && strongMatch(parsed[0]!, tag);
  }
  const date = parseHttpDate(value);
  return date !== undefined && v.lastModified !== undefined && date === v.lastModified;
}
