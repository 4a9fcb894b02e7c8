import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import {
  acceptPartial,
  canRetryReport,
  descriptorReceived,
  exposesByteRanges,
  hasEnoughSpace,
  headerConflict,
  isObjectMissing,
  isTypeSupported,
  needsConfirmation,
  parseContentRange,
  parseImfFixdate,
  reportDelivered,
  reportRetryDelay,
  resolveOptions,
  resumePreconditions,
  resumeRange,
  resumeRetryDelay,
  retryAfterMs,
  sameValidator,
  sizeConflict,
} from './download.logic.js';

const ETAG = '"fasd987sadf98@example.com/1.1"';
const LM = 'Tue, 01 Dec 2026 10:00:00 GMT';
const kept = { offset: 1034, length: 25432, etag: ETAG };
const gif = { size: 25432, types: ['image/gif'], objectURIs: ['http://h/p.gif'] };

describe('agent protocol decisions', () => {
  it(
    verifies(
      ['DL-EX-B6', 'DL-PR-7', 'DL-PR-8'],
      'B.6: the resume Range is exactly the missing bytes, one range',
    ),
    () => {
      expect(resumeRange(1034, 25432)).toBe('bytes=1034-25431');
      expect(resumeRange(0, 1)).toBe('bytes=0-0');
      expect(resumeRange(1034, 25432)).not.toContain(',');
    },
  );

  it(
    verifies(['DL-EX-B6', 'DL-PR-11'], 'B.6: a 206 with Content-Range bytes 1034-25431/25432 is appended'),
    () => {
      expect(acceptPartial(kept, { status: 206, contentRange: 'bytes 1034-25431/25432', etag: ETAG })).toBe(
        'append',
      );
      expect(acceptPartial(kept, { status: 206, contentRange: 'BYTES 1034-25431/25432', etag: ETAG })).toBe(
        'append',
      );
    },
  );

  it(verifies('DL-PR-11', 'anything else is restarted (200) or rejected, never appended'), () => {
    expect(acceptPartial(kept, { status: 200 })).toBe('restart');
    for (const contentRange of [
      'bytes 0-25431/25432',
      'bytes 1034-25430/25432',
      'bytes 1034-25431/*',
      'bytes 1034-25432/25433',
      'bytes */25432',
      '1034-25431/25432',
      undefined,
    ]) {
      expect(acceptPartial(kept, { status: 206, contentRange, etag: ETAG }), String(contentRange)).toBe(
        'reject',
      );
    }
    expect(acceptPartial(kept, { status: 404 })).toBe('error');
    expect(acceptPartial(kept, { status: 403 })).toBe('error');
    expect(parseContentRange('bytes 5-4/10')).toBeNull();
    expect(parseContentRange('bytes 0-10/10')).toBeNull();
  });

  const fits = 'bytes 1034-25431/25432';
  it(
    verifies(
      ['DL-PR-11', 'DL-PR-10'],
      'a fitting 206 is appended only with the kept validator: same strong ETag, else same Last-Modified',
    ),
    () => {
      // A server that ignores If-Match (lighttpd) answers with the new object's ETag: the object changed.
      expect(acceptPartial(kept, { status: 206, contentRange: fits, etag: '"other"' })).toBe('changed');
      // Strong comparison: a weak twin of the kept ETag is not the same validator.
      expect(acceptPartial(kept, { status: 206, contentRange: fits, etag: `W/${ETAG}` })).toBe('changed');
      expect(acceptPartial(kept, { status: 206, contentRange: fits })).toBe('changed');
      // No ETag kept (nginx `etag off`): Last-Modified decides.
      const byDate = { offset: 1034, length: 25432, lastModified: LM };
      expect(acceptPartial(byDate, { status: 206, contentRange: fits, lastModified: LM })).toBe('append');
      expect(
        acceptPartial(byDate, {
          status: 206,
          contentRange: fits,
          lastModified: 'Tue, 01 Dec 2026 10:00:01 GMT',
        }),
      ).toBe('changed');
      expect(acceptPartial(byDate, { status: 206, contentRange: fits })).toBe('changed');
      // A weak ETag kept: only Last-Modified can prove the 206 fits.
      const weak = { offset: 1034, length: 25432, etag: 'W/"1-2"', lastModified: LM };
      expect(
        acceptPartial(weak, { status: 206, contentRange: fits, etag: 'W/"1-2"', lastModified: LM }),
      ).toBe('append');
      // Nothing to compare: never appended, the object is fetched again from byte 0.
      expect(acceptPartial({ offset: 1034, length: 25432 }, { status: 206, contentRange: fits })).toBe(
        'restart',
      );
      expect(
        acceptPartial({ ...kept, etag: 'W/"x"' }, { status: 206, contentRange: fits, etag: 'W/"x"' }),
      ).toBe('restart');
      expect(sameValidator({ ...kept, lastModified: LM }, { lastModified: LM })).toBe(true);
    },
  );

  it(
    verifies('DL-PR-9', 'If-Match carries only a strong ETag; else If-Unmodified-Since; else nothing'),
    () => {
      expect(resumePreconditions(kept)).toEqual({ ifMatch: ETAG });
      expect(resumePreconditions({ ...kept, lastModified: LM })).toEqual({ ifMatch: ETAG });
      expect(resumePreconditions({ ...kept, etag: 'W/"5-abc"', lastModified: LM })).toEqual({
        ifUnmodifiedSince: LM,
      });
      expect(resumePreconditions({ ...kept, etag: ' W/"5-abc"' })).toEqual({});
      expect(resumePreconditions({ offset: 1, length: 2, lastModified: LM })).toEqual({
        ifUnmodifiedSince: LM,
      });
      expect(resumePreconditions({ offset: 1, length: 2 })).toEqual({});
    },
  );

  it(
    verifies(
      ['DL-PR-4', 'DL-PR-10'],
      '412 changed; 408/429/5xx temporary; 416 changed unless it names our length',
    ),
    () => {
      expect(acceptPartial(kept, { status: 412 })).toBe('changed');
      for (const status of [408, 429, 500, 502, 503, 504])
        expect(acceptPartial(kept, { status }), String(status)).toBe('temporary');
      expect(acceptPartial(kept, { status: 416, contentRange: 'bytes */1000' })).toBe('changed');
      expect(acceptPartial(kept, { status: 416 })).toBe('changed');
      expect(acceptPartial(kept, { status: 416, contentRange: 'bytes */25432', etag: '"v2"' })).toBe(
        'changed',
      );
      // Our own length and validator: the server contradicts itself; the range is kept.
      expect(acceptPartial(kept, { status: 416, contentRange: 'bytes */25432', etag: ETAG })).toBe(
        'temporary',
      );
    },
  );

  it(
    verifies('DL-PR-4', 'temporary errors: bounded back-off, Retry-After honoured, long waits stay paused'),
    () => {
      const options = { resumeRetryMs: 1000, maxResumeRetries: 3, maxRetryWaitMs: 60_000 };
      expect([0, 1, 2].map((n) => resumeRetryDelay(n, options, null))).toEqual([1000, 2000, 4000]);
      expect(resumeRetryDelay(3, options, null)).toBeNull();
      expect(resumeRetryDelay(0, options, 5000)).toBe(5000);
      expect(resumeRetryDelay(2, options, 10)).toBe(4000);
      expect(resumeRetryDelay(0, options, 120_000)).toBeNull();
      expect(retryAfterMs('7', undefined)).toBe(7000);
      expect(retryAfterMs('Tue, 01 Dec 2026 10:00:30 GMT', LM)).toBe(30_000);
      expect(retryAfterMs('Tue, 01 Dec 2026 10:00:30 GMT', undefined)).toBeNull();
      expect(retryAfterMs('soon', LM)).toBeNull();
      expect(retryAfterMs(undefined, LM)).toBeNull();
      expect(parseImfFixdate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777000);
      expect(parseImfFixdate('Thu, 29 Feb 2024 00:00:00 GMT')).toBe(1709164800000);
      expect(parseImfFixdate('Sunday, 06-Nov-94 08:49:37 GMT')).toBeNull();
    },
  );

  it(verifies(['DL-PR-12', 'DL-PR-4'], 'only Accept-Ranges: bytes makes a retrieval resumable'), () => {
    expect(exposesByteRanges('bytes')).toBe(true);
    expect(exposesByteRanges(' Bytes ')).toBe(true);
    expect(exposesByteRanges('none')).toBe(false);
    expect(exposesByteRanges(undefined)).toBe(false);
    expect(exposesByteRanges('')).toBe(false);
  });

  it(verifies('DL-RET-3', '404 and 410 mean the object does not exist'), () => {
    expect([404, 410].every(isObjectMissing)).toBe(true);
    expect([200, 206, 412, 500].some(isObjectMissing)).toBe(false);
  });

  it(verifies(['DL-STEP-3', 'DL-STEP-4'], 'memory and capability checks'), () => {
    expect(hasEnoughSpace(25432, [gif])).toBe(true);
    expect(hasEnoughSpace(25431, [gif])).toBe(false);
    expect(hasEnoughSpace(30000, [{ ...gif, installSize: 40000 }])).toBe(false);
    expect(hasEnoughSpace(Number.NaN, [gif])).toBe(false);
    // What is kept on the device is not fetched again: only the rest must fit.
    expect(hasEnoughSpace(25432 - 20000, [gif], 20000)).toBe(true);
    expect(hasEnoughSpace(25432 - 20001, [gif], 20000)).toBe(false);
    expect(hasEnoughSpace(0, [gif], 25432)).toBe(true);
    expect(hasEnoughSpace(100, [gif], -5)).toBe(false);
    expect(isTypeSupported(['image/gif'], ['image/*'])).toBe(true);
    expect(isTypeSupported(['Image/GIF; x=y'], ['image/gif'])).toBe(true);
    expect(isTypeSupported(['image/gif'], ['*/*'])).toBe(true);
    expect(isTypeSupported(['image/gif'], ['audio/*', 'image/png'])).toBe(false);
  });

  it(verifies('DL-STEP-5', 'confirmation is asked unless pre-confirmed or suppressed'), () => {
    expect(needsConfirmation('Never', false)).toBe(true);
    expect(needsConfirmation('Never', true)).toBe(false);
    expect(needsConfirmation('UserConfirmStepOnly', false)).toBe(false);
    expect(needsConfirmation('Always', false)).toBe(false);
  });

  it(verifies('DL-INST-10', 'attribute conflicts: size and type'), () => {
    expect(headerConflict(gif, { contentLength: 25432, contentType: 'image/gif' })).toBeNull();
    expect(headerConflict(gif, { contentType: 'application/octet-stream' })).toBeNull();
    expect(headerConflict(gif, { contentLength: 1 })).toMatch(/Content-Length/);
    expect(headerConflict(gif, { contentType: 'text/html' })).toMatch(/Content-Type/);
    expect(sizeConflict(gif, 25432)).toBeNull();
    expect(sizeConflict(gif, 25433)).toMatch(/25433/);
  });

  it(verifies('DL-INST-12', 'report retries are bounded with doubling back-off'), () => {
    expect(canRetryReport(2, 3)).toBe(true);
    expect(canRetryReport(3, 3)).toBe(false);
    expect([1, 2, 3].map((n) => reportRetryDelay(n, 500))).toEqual([500, 1000, 2000]);
  });

  it('input defaults', () => {
    expect(resolveOptions({ ddUrl: 'http://h/', supportedTypes: [] })).toEqual({
      supportedTypes: [],
      preConfirmed: false,
      numbering: 'seed',
      maxReportAttempts: 3,
      reportRetryMs: 2000,
      resumePolicy: { onNetworkBack: true, onRestart: true },
      productIndex: 0,
      maxUpdates: 3,
      resumeRetryMs: 2000,
      maxResumeRetries: 3,
      maxRetryWaitMs: 60000,
    });
    expect(resolveOptions({ ddUrl: 'x', supportedTypes: [], maxReportAttempts: 0 }).maxReportAttempts).toBe(
      1,
    );
  });
});

describe('delivery rules', () => {
  it(verifies('DL-NOTIFY-1', 'a status report is delivered only when the POST is answered 200'), () => {
    expect(reportDelivered(200)).toBe(true);
    for (const status of [201, 204, 202, 301, 404, 500, 503]) expect(reportDelivered(status)).toBe(false);
  });

  it('only a 2xx answer to the descriptor GET carries a descriptor', () => {
    expect([200, 203, 299].map(descriptorReceived)).toEqual([true, true, true]);
    expect([199, 304, 404, 500].map(descriptorReceived)).toEqual([false, false, false, false]);
  });
});
