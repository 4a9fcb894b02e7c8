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
  reportDelivered,
  reportRetryDelay,
  resolveOptions,
  resumeRange,
  sizeConflict,
} from './download.logic.js';

const kept = { offset: 1034, length: 25432 };
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
      expect(acceptPartial(kept, { status: 206, contentRange: 'bytes 1034-25431/25432' })).toBe('append');
      expect(acceptPartial(kept, { status: 206, contentRange: 'BYTES 1034-25431/25432' })).toBe('append');
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
      expect(acceptPartial(kept, { status: 206, contentRange }), String(contentRange)).toBe('reject');
    }
    expect(acceptPartial(kept, { status: 416, contentRange: 'bytes */25432' })).toBe('reject');
    expect(parseContentRange('bytes 5-4/10')).toBeNull();
    expect(parseContentRange('bytes 0-10/10')).toBeNull();
  });

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
