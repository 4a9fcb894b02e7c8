import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { decideMediaResponse } from './server.logic.js';
import {
  evaluatePreconditions,
  formatHttpDate,
  ifNoneMatchPasses,
  ifRangeHolds,
  parseHttpDate,
} from './server.preconditions.js';

// 1994-11-06T08:49:37Z, RFC 9110 §5.6.7's example.
const T = 784111777;
const ETAG = '"pic.gif/abc123"';
const v = { etag: ETAG, lastModified: T };
const object = { length: 100, objectID: 'pic.gif', objectVersion: 'abc123', lastModified: T };

describe('HTTP-date (RFC 9110 §5.6.7)', () => {
  it('formats IMF-fixdate and reads all three forms', () => {
    expect(formatHttpDate(T)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(formatHttpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(formatHttpDate(951782400)).toBe('Tue, 29 Feb 2000 00:00:00 GMT');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(T);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(T);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(T);
    for (const bad of [
      '',
      'yesterday',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:00:00 GMT',
      '784111777',
    ]) {
      expect(parseHttpDate(bad), bad).toBeUndefined();
    }
  });

  it('round-trips every second across leap years', () => {
    for (let s = -86400 * 800; s < 86400 * 365 * 140; s += 86400 * 37 + 3607) {
      expect(parseHttpDate(formatHttpDate(s)), String(s)).toBe(s);
    }
  });
});

describe('preconditions (RFC 9110 §13.2.2)', () => {
  it(
    verifies('DL-SRV-1', 'If-None-Match uses weak comparison; * never passes for an existing object'),
    () => {
      expect(ifNoneMatchPasses(ETAG, ETAG)).toBe(false);
      expect(ifNoneMatchPasses(`W/${ETAG}`, ETAG)).toBe(false);
      expect(ifNoneMatchPasses('"other", "x"', ETAG)).toBe(true);
      expect(ifNoneMatchPasses('*', ETAG)).toBe(false);
      expect(ifNoneMatchPasses(ETAG, undefined)).toBe(true);
    },
  );

  it(
    verifies(
      'DL-SRV-1',
      'the order: If-Match, else If-Unmodified-Since; If-None-Match, else If-Modified-Since',
    ),
    () => {
      const past = formatHttpDate(T - 1);
      const now = formatHttpDate(T);
      const run = (request: Record<string, string>) =>
        evaluatePreconditions(v, { method: 'GET', ...request });
      // Step 1 beats step 3: a failing If-Match is 412 even when If-None-Match would say 304.
      expect(run({ ifMatch: '"old/1"', ifNoneMatch: ETAG })).toMatchObject({
        status: 412,
        field: 'If-Match',
      });
      // If-Match present and passing: If-Unmodified-Since is not evaluated (it would fail).
      expect(run({ ifMatch: ETAG, ifUnmodifiedSince: past })).toEqual({ outcome: 'proceed' });
      expect(run({ ifUnmodifiedSince: past })).toMatchObject({ status: 412, field: 'If-Unmodified-Since' });
      expect(run({ ifUnmodifiedSince: now })).toEqual({ outcome: 'proceed' });
      expect(run({ ifUnmodifiedSince: 'garbage' })).toEqual({ outcome: 'proceed' });
      // Step 3: 304 for GET/HEAD, 412 for anything else.
      expect(run({ ifNoneMatch: ETAG })).toMatchObject({ status: 304, field: 'If-None-Match' });
      expect(evaluatePreconditions(v, { method: 'POST', ifNoneMatch: ETAG })).toMatchObject({ status: 412 });
      // If-None-Match present (and passing): If-Modified-Since is ignored even though it would say 304.
      expect(run({ ifNoneMatch: '"other"', ifModifiedSince: now })).toEqual({ outcome: 'proceed' });
      expect(run({ ifModifiedSince: now })).toMatchObject({ status: 304, field: 'If-Modified-Since' });
      expect(run({ ifModifiedSince: past })).toEqual({ outcome: 'proceed' });
      expect(evaluatePreconditions(v, { method: 'POST', ifModifiedSince: now })).toEqual({
        outcome: 'proceed',
      });
      // No modification date: date preconditions are ignored.
      expect(evaluatePreconditions({ etag: ETAG }, { method: 'GET', ifUnmodifiedSince: past })).toEqual({
        outcome: 'proceed',
      });
    },
  );

  it(
    verifies('DL-SRV-1', 'decideMediaResponse: 304 and 412 carry ETag and Last-Modified and no body'),
    () => {
      const notModified = decideMediaResponse(object, { method: 'HEAD', ifNoneMatch: ETAG });
      expect(notModified).toMatchObject({
        status: 304,
        body: null,
        headers: { ETag: ETAG, 'Last-Modified': 'Sun, 06 Nov 1994 08:49:37 GMT' },
      });
      const failed = decideMediaResponse(object, {
        method: 'GET',
        range: 'bytes=10-',
        ifUnmodifiedSince: formatHttpDate(T - 60),
      });
      expect(failed).toMatchObject({
        status: 412,
        body: null,
        headers: { 'Last-Modified': formatHttpDate(T) },
      });
      expect(failed.note).toMatch(/If-Unmodified-Since/);
      expect(
        decideMediaResponse(object, { method: 'GET', range: 'bytes=10-' }).headers['Last-Modified'],
      ).toBe(formatHttpDate(T));
    },
  );
});

describe('If-Range (RFC 9110 §13.1.5)', () => {
  it(verifies('DL-SRV-2', 'holds for the strong current ETag or the exact Last-Modified date only'), () => {
    expect(ifRangeHolds(ETAG, v)).toBe(true);
    expect(ifRangeHolds(`W/${ETAG}`, v)).toBe(false);
    expect(ifRangeHolds('"pic.gif/old"', v)).toBe(false);
    expect(ifRangeHolds(formatHttpDate(T), v)).toBe(true);
    expect(ifRangeHolds(formatHttpDate(T - 1), v)).toBe(false);
    expect(ifRangeHolds(formatHttpDate(T + 1), v)).toBe(false);
    expect(ifRangeHolds('not a validator', v)).toBe(false);
    expect(ifRangeHolds(formatHttpDate(T), { etag: ETAG })).toBe(false);
  });

  it(
    verifies('DL-SRV-2', 'a stale If-Range gets 200 and the whole object; a current one gets the 206'),
    () => {
      const stale = decideMediaResponse(object, {
        method: 'GET',
        range: 'bytes=10-',
        ifRange: '"pic.gif/old"',
      });
      expect(stale).toMatchObject({ status: 200, body: { start: 0, end: 99 } });
      expect(stale.headers['Content-Range']).toBeUndefined();
      const current = decideMediaResponse(object, { method: 'GET', range: 'bytes=10-', ifRange: ETAG });
      expect(current).toMatchObject({ status: 206, body: { start: 10, end: 99 } });
      // If-Range without Range is ignored (§13.1.5).
      expect(decideMediaResponse(object, { method: 'GET', ifRange: '"x"' }).status).toBe(200);
    },
  );
});
