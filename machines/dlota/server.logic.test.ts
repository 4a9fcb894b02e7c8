import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import {
  decideMediaResponse,
  entityTagSafe,
  etagFor,
  ifMatchPasses,
  isEntityTagSafe,
  parseIfMatch,
  rangeSetAbusive,
} from './server.logic.js';

const b6 = { length: 25432, objectID: 'fasd987sadf98@example.com', objectVersion: '1.1' };
const ETAG = '"fasd987sadf98@example.com/1.1"';

describe('server decisions for a media object', () => {
  it(
    verifies(
      ['DL-PR-1', 'DL-PR-2', 'DL-PR-3'],
      'a plain GET: 200, Accept-Ranges: bytes and the quoted objectID/objectVersion ETag',
    ),
    () => {
      expect(etagFor('fasd987sadf98@example.com', '1.1')).toBe(ETAG);
      expect(decideMediaResponse(b6, { method: 'GET' })).toEqual({
        status: 200,
        headers: { 'Accept-Ranges': 'bytes', ETag: ETAG },
        body: { start: 0, end: 25431 },
      });
    },
  );

  it(verifies('DL-PR-3', 'no ETag without objectID and objectVersion'), () => {
    expect(decideMediaResponse({ length: 10, objectID: 'x' }, { method: 'GET' }).headers).toEqual({
      'Accept-Ranges': 'bytes',
    });
  });

  it(
    verifies(
      'DL-EX-B6',
      'B.6 resume: bytes=1034-25431 with If-Match → 206 Content-Range: bytes 1034-25431/25432',
    ),
    () => {
      const decision = decideMediaResponse(b6, { method: 'GET', range: 'bytes=1034-25431', ifMatch: ETAG });
      expect(decision).toEqual({
        status: 206,
        headers: { 'Accept-Ranges': 'bytes', ETag: ETAG, 'Content-Range': 'bytes 1034-25431/25432' },
        body: { start: 1034, end: 25431 },
      });
      // The seed's unquoted If-Match is read as one bare tag and matches too.
      expect(
        decideMediaResponse(b6, {
          method: 'GET',
          range: 'bytes=1034-',
          ifMatch: 'fasd987sadf98@example.com/1.1',
        }).status,
      ).toBe(206);
    },
  );

  it(
    verifies(
      'DL-EX-B6',
      "B.6's literal `Range: 1034-25431` is refused with 416 and a note naming the valid form",
    ),
    () => {
      const decision = decideMediaResponse(b6, { method: 'GET', range: '1034-25431', ifMatch: ETAG });
      expect(decision.status).toBe(416);
      expect(decision.headers['Content-Range']).toBe('bytes */25432');
      expect(decision.body).toBeNull();
      expect(decision.note).toMatch(/bytes=first-last/);
    },
  );

  it(
    verifies('DL-PR-10', 'If-Match is evaluated before Range: a changed object is 412 even with a Range'),
    () => {
      const decision = decideMediaResponse(
        { ...b6, objectVersion: '1.2' },
        { method: 'GET', range: 'bytes=1034-25431', ifMatch: ETAG },
      );
      expect(decision).toMatchObject({
        status: 412,
        body: null,
        headers: { ETag: '"fasd987sadf98@example.com/1.2"' },
      });
    },
  );

  it(
    verifies('DL-PR-10', 'If-Match uses strong comparison: weak never matches, * always does, lists work'),
    () => {
      expect(ifMatchPasses(`W/${ETAG}`, ETAG)).toBe(false);
      expect(ifMatchPasses('*', undefined)).toBe(true);
      expect(ifMatchPasses(`"other", ${ETAG}`, ETAG)).toBe(true);
      expect(ifMatchPasses(ETAG, undefined)).toBe(false);
      expect(parseIfMatch('"a", W/"b"')).toEqual([
        { weak: false, opaque: 'a' },
        { weak: true, opaque: 'b' },
      ]);
      expect(decideMediaResponse(b6, { method: 'GET', ifMatch: `W/${ETAG}` }).status).toBe(412);
    },
  );

  it(verifies('DL-PR-2', 'unsatisfiable requests → 416 bytes */len'), () => {
    for (const range of ['bytes=25432-', 'bytes=25432-,30000-']) {
      const decision = decideMediaResponse(b6, { method: 'GET', range });
      expect(decision.status, range).toBe(416);
      expect(decision.headers).toMatchObject({ 'Accept-Ranges': 'bytes', 'Content-Range': 'bytes */25432' });
    }
  });

  it(
    verifies('DL-PR-2', 'several ranges (RFC 9110 §14.2): 200 with the whole object; abusive sets → 416'),
    () => {
      for (const range of ['bytes=0-1,5-9', 'bytes=0-10,99999-', 'bytes=0-10,5-15', 'bytes=-5,0-0']) {
        expect(decideMediaResponse(b6, { method: 'GET', range }), range).toMatchObject({
          status: 200,
          body: { start: 0, end: 25431 },
        });
      }
      const many = `bytes=${Array.from({ length: 33 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
      const overlapping = 'bytes=0-100,50-150,60-70';
      const unordered = `bytes=${Array.from({ length: 9 }, (_, i) => `${(9 - i) * 10}-${(9 - i) * 10 + 1}`).join(',')}`;
      for (const range of [many, overlapping, unordered]) {
        const decision = decideMediaResponse(b6, { method: 'GET', range });
        expect(decision.status, range).toBe(416);
        expect(decision.headers['Content-Range']).toBe('bytes */25432');
        expect(decision.note).toMatch(/refused/);
      }
      // 32 ascending, disjoint ranges are still a legitimate request.
      const thirtyTwo = `bytes=${Array.from({ length: 32 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
      expect(decideMediaResponse(b6, { method: 'GET', range: thirtyTwo }).status).toBe(200);
      expect(
        rangeSetAbusive(2, [
          { start: 0, end: 9 },
          { start: 5, end: 20 },
        ]),
      ).toBe(false);
    },
  );

  it(
    verifies(
      'DL-PR-3',
      'every file name gives a legal entity-tag: percent-encoded UTF-8 outside etagc and %',
    ),
    () => {
      expect(entityTagSafe('my file.gif')).toBe('my%20file.gif');
      expect(entityTagSafe('q"x.gif')).toBe('q%22x.gif');
      expect(entityTagSafe('图.gif')).toBe('%E5%9B%BE.gif');
      expect(entityTagSafe('a%20b')).toBe('a%2520b');
      expect(entityTagSafe('tab\tdel\x7f')).toBe('tab%09del%7F');
      expect(entityTagSafe('fasd987sadf98@example.com')).toBe('fasd987sadf98@example.com');
      expect(isEntityTagSafe(entityTagSafe('\u0000 "%\u00ff图😀'))).toBe(true);
      expect(() => etagFor('my file', '1')).toThrow(/DL-PR-3.*entityTagSafe/);
    },
  );

  it(verifies('DL-PR-2', 'suffix and open ranges; an unknown unit is ignored; HEAD decides as GET'), () => {
    expect(decideMediaResponse(b6, { method: 'GET', range: 'bytes=-100' }).headers['Content-Range']).toBe(
      'bytes 25332-25431/25432',
    );
    expect(decideMediaResponse(b6, { method: 'GET', range: 'bytes=25000-99999' }).body).toEqual({
      start: 25000,
      end: 25431,
    });
    expect(decideMediaResponse(b6, { method: 'GET', range: 'items=0-1' })).toMatchObject({
      status: 200,
      body: { start: 0 },
    });
    expect(decideMediaResponse(b6, { method: 'HEAD', range: 'bytes=0-1' })).toMatchObject({
      status: 206,
      body: { start: 0, end: 1 },
    });
  });
});
