import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { durableOffsetGrows, isEncodedPartial, recoveryPlan } from './download.logic.js';
import { B6_VECTOR as B6, b6Descriptor, DownloadWalk as Walk } from './download.walk.js';

/** A walk at `retrieving.requesting`: the fresh GET of the object is requested, not yet answered. */
function requesting(input: ConstructorParameters<typeof Walk>[0] = {}): Walk {
  const walk = new Walk({ preConfirmed: true, ...input });
  walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
  walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 });
  expect(walk.state).toBe('retrieving.requesting');
  return walk;
}

const journal = { type: 'RESTART.RECOVERED', etag: B6.etag, length: B6.size } as const;

describe('restart with a journal, before the first request is answered (pure transition API)', () => {
  it(
    verifies(
      ['DL-PR-12', 'DL-PR-4', 'DL-PR-7', 'DL-PR-9', 'DL-EX-B6'],
      'a journal from an Accept-Ranges server resumes at once: the fresh GET is aborted, the one request is Range + If-Match',
    ),
    () => {
      const walk = requesting();
      expect(walk.send({ ...journal, offset: B6.cut, acceptRanges: true })).toEqual([
        { type: 'abortTransfer', params: {} },
        {
          type: 'httpGet',
          params: {
            url: B6.url,
            objectIndex: 0,
            offset: B6.cut,
            range: 'bytes=1034-25431',
            ifMatch: B6.etag,
          },
        },
      ]);
      expect(walk.state).toBe('retrieving.resuming');
      expect(walk.snapshot.context.transfer).toMatchObject({
        offset: B6.cut,
        length: B6.size,
        etag: B6.etag,
        acceptRanges: true,
      });
      expect(walk.snapshot.context.pauseCause).toBe('restart');
      walk.send({
        type: 'RESPONSE.HEADERS',
        status: 206,
        contentRange: 'bytes 1034-25431/25432',
        etag: B6.etag,
      });
      expect(walk.state).toBe('retrieving.downloading');
      expect(walk.send({ type: 'BODY.END', offset: B6.size })[0]?.type).toBe('preInstall');
    },
  );

  it(
    verifies(
      'DL-PR-12',
      'a journal without Accept-Ranges recorded is never resumed: discarded, GET from byte 0',
    ),
    () => {
      for (const acceptRanges of [false, undefined]) {
        const walk = requesting();
        expect(
          walk.send({ ...journal, offset: B6.cut, ...(acceptRanges === undefined ? {} : { acceptRanges }) }),
        ).toEqual([
          { type: 'discardPartial', params: { scope: 'object', objectIndex: 0 } },
          { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
        ]);
        expect(walk.state).toBe('retrieving.requesting');
        expect(walk.snapshot.context.transfer).toEqual({ offset: 0, length: B6.size, acceptRanges: false });
      }
    },
  );

  it(verifies('DL-PR-5', 'a complete journal needs no request: straight to the attribute check'), () => {
    const walk = requesting();
    const effects = walk.send({ ...journal, offset: B6.size, acceptRanges: true });
    expect(effects.map((e) => e.type)).toEqual(['abortTransfer', 'preInstall']);
    expect(walk.state).toBe('installing');
  });

  it(
    verifies(
      ['DL-PR-4', 'DL-PR-12'],
      'without auto-resume on restart the journal is kept paused until the user resumes',
    ),
    () => {
      const walk = requesting({ resumePolicy: { onRestart: false } });
      expect(walk.send({ ...journal, offset: 2048, acceptRanges: true })).toEqual([
        { type: 'abortTransfer', params: {} },
      ]);
      expect(walk.state).toBe('retrieving.paused');
      expect(walk.send({ type: 'USER.RESUME' })[0]).toMatchObject({
        params: { offset: 2048, range: 'bytes=2048-25431', ifMatch: B6.etag },
      });
    },
  );

  it('a journal with no durable byte is nothing to resume: GET from byte 0', () => {
    const walk = requesting();
    expect(walk.send({ ...journal, offset: 0, acceptRanges: true }).map((e) => e.type)).toEqual([
      'discardPartial',
      'httpGet',
    ]);
    expect(walk.state).toBe('retrieving.requesting');
  });
});

describe('bytes flushed after a pause move the kept range', () => {
  it(
    verifies(
      ['DL-PR-4', 'DL-PR-7'],
      'BODY.DURABLE in paused grows the offset (never shrinks it, never past the length); the resume Range starts there',
    ),
    () => {
      const walk = new Walk().toDownloading();
      walk.send({ type: 'BODY.DURABLE', offset: 1000 });
      walk.send({ type: 'USER.PAUSE' });
      expect(walk.state).toBe('retrieving.paused');
      // The adapter's last checkpoint after the abort.
      expect(walk.send({ type: 'BODY.DURABLE', offset: 3000 })).toEqual([]);
      expect(walk.snapshot.context.transfer.offset).toBe(3000);
      walk.send({ type: 'BODY.DURABLE', offset: 2000 });
      walk.send({ type: 'BODY.DURABLE', offset: B6.size + 1 });
      expect(walk.snapshot.context.transfer.offset).toBe(3000);
      expect(walk.state).toBe('retrieving.paused');
      expect(walk.send({ type: 'USER.RESUME' })[0]).toMatchObject({
        type: 'httpGet',
        params: { offset: 3000, range: 'bytes=3000-25431', ifMatch: B6.etag },
      });
    },
  );
});

describe('a content-encoded 206 is rejected by the machine', () => {
  it(
    verifies(
      ['DL-PR-11', 'DL-INST-8'],
      'a 206 with Content-Encoding: gzip is never appended → 952, everything discarded',
    ),
    () => {
      const walk = new Walk().toPausedAtCut();
      walk.send({ type: 'USER.RESUME' });
      expect(walk.state).toBe('retrieving.resuming');
      const effects = walk.send({
        type: 'RESPONSE.HEADERS',
        status: 206,
        contentRange: 'bytes 1034-25431/25432',
        contentEncoding: 'gzip',
      });
      expect(effects.slice(0, 2)).toEqual([
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'all' } },
      ]);
      expect(walk.state).toBe('notifying.posting');
      expect(walk.snapshot.context.outcome).toBe('deviceAborted');
      expect(effects.at(-1)).toEqual({
        type: 'postReport',
        params: { url: B6.notify, body: '952 Device Aborted' },
      });
    },
  );

  it(
    verifies('DL-PR-11', 'a 206 with Content-Encoding: identity is the range itself and is appended'),
    () => {
      const walk = new Walk().toPausedAtCut();
      walk.send({ type: 'USER.RESUME' });
      walk.send({
        type: 'RESPONSE.HEADERS',
        status: 206,
        contentRange: 'bytes 1034-25431/25432',
        contentEncoding: 'Identity',
        etag: B6.etag,
      });
      expect(walk.state).toBe('retrieving.downloading');
    },
  );
});

describe('recovery, durable-offset and encoding decisions (pure functions)', () => {
  it(
    verifies(
      ['DL-PR-12', 'DL-PR-7'],
      'recoveryPlan resumes only a partial range journaled with Accept-Ranges',
    ),
    () => {
      expect(recoveryPlan({ offset: 10, length: 100, acceptRanges: true })).toBe('resume');
      expect(recoveryPlan({ offset: 100, length: 100, acceptRanges: true })).toBe('complete');
      expect(recoveryPlan({ offset: 0, length: 100, acceptRanges: true })).toBe('restart');
      expect(recoveryPlan({ offset: 10, length: 100, acceptRanges: false })).toBe('restart');
      expect(recoveryPlan({ offset: 10, length: 100 })).toBe('restart');
      expect(recoveryPlan({ offset: 0, length: 0, acceptRanges: true })).toBe('restart');
    },
  );

  it(verifies('DL-PR-4', 'durableOffsetGrows: only up, never past the length'), () => {
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 11)).toBe(true);
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 100)).toBe(true);
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 10)).toBe(false);
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 9)).toBe(false);
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 101)).toBe(false);
    expect(durableOffsetGrows({ offset: 10, length: 100 }, 10.5)).toBe(false);
  });

  it(verifies('DL-PR-11', 'isEncodedPartial: any coding but identity on a 206'), () => {
    expect(isEncodedPartial({ status: 206, contentEncoding: 'gzip' })).toBe(true);
    expect(isEncodedPartial({ status: 206, contentEncoding: 'identity, br' })).toBe(true);
    expect(isEncodedPartial({ status: 206, contentEncoding: ' IDENTITY ' })).toBe(false);
    expect(isEncodedPartial({ status: 206 })).toBe(false);
    expect(isEncodedPartial({ status: 200, contentEncoding: 'gzip' })).toBe(false);
  });
});
