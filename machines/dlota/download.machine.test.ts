import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { B6_VECTOR as B6, b6Descriptor, DownloadWalk as Walk } from './download.walk.js';

const file = {
  objectURI: B6.url,
  size: B6.size,
  types: ['image/gif'],
  objectID: 'fasd987sadf98@example.com',
  objectVersion: '1.1',
};

describe('dlotaMachine walks (pure transition API)', () => {
  it(
    verifies(
      ['DL-INST-2', 'DL-INST-4', 'DL-INST-5', 'DL-NOTIFY-1', 'DL-RET-2', 'DL-STEP-5', 'DL-NEXT-1', 'DL-DD-5'],
      'happy path with notification: object usable only after the accepted 900 report',
    ),
    () => {
      const walk = new Walk();
      expect(walk.effects).toEqual([{ type: 'fetchDescriptor', params: { url: B6.ddUrl } }]);
      expect(
        walk.send({
          type: 'DESCRIPTOR.LOADED',
          body: b6Descriptor(),
          url: B6.ddUrl,
          contentType: 'application/vnd.oma.dd+xml',
        }),
      ).toEqual([{ type: 'queryFreeSpace', params: { requiredBytes: B6.size } }]);
      expect(walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1_000_000 })).toEqual([
        {
          type: 'askConfirmation',
          params: { name: 'Picture', size: B6.size, types: ['image/gif'], objectCount: 1 },
        },
      ]);
      // DL-RET-2: exactly the (resolved) ObjectURI, no Range on a fresh GET.
      expect(walk.send({ type: 'USER.CONFIRMED' })).toEqual([
        { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
      ]);
      expect(
        walk.send({
          type: 'RESPONSE.HEADERS',
          status: 200,
          acceptRanges: 'bytes',
          etag: B6.etag,
          contentLength: B6.size,
        }),
      ).toEqual([]);
      expect(walk.state).toBe('retrieving.downloading');
      expect(walk.send({ type: 'BODY.DURABLE', offset: 8192 })).toEqual([]);
      expect(walk.send({ type: 'BODY.END', offset: B6.size })).toEqual([
        { type: 'preInstall', params: { files: [file] } },
      ]);
      // DL-INST-2: prepared is not usable; the report goes first.
      expect(walk.send({ type: 'INSTALL.PREPARED' })).toEqual([
        { type: 'postReport', params: { url: B6.notify, body: '900 Success' } },
      ]);
      expect(walk.log.some((e) => e.type === 'commitObject')).toBe(false);
      expect(walk.send({ type: 'REPORT.ACCEPTED' })).toEqual([
        { type: 'commitObject', params: { files: [file] } },
      ]);
      expect(walk.snapshot.status).toBe('done');
      expect(walk.snapshot.output).toEqual({
        outcome: 'success',
        statusCode: 900,
        statusLine: '900 Success',
        reported: true,
        installed: true,
        reason: 'installed',
        nextURL: B6.next,
        files: [file],
        pendingReports: [],
      });
    },
  );

  it(
    verifies(
      ['DL-EX-B6', 'DL-PR-4', 'DL-PR-7', 'DL-PR-8', 'DL-PR-9', 'DL-PR-11', 'DL-RET-4', 'DL-PR-5'],
      'B.6: connection lost after 1 034 bytes pauses; network back resumes with bytes=1034-25431 + If-Match; 206 appends',
    ),
    () => {
      const walk = new Walk().toDownloading();
      walk.send({ type: 'BODY.DURABLE', offset: B6.cut });
      // DL-RET-4 / DL-PR-4: Accept-Ranges was sent, so no 903 and nothing discarded.
      expect(walk.send({ type: 'CONNECTION.LOST', cause: 'ECONNRESET' })).toEqual([]);
      expect(walk.state).toBe('retrieving.paused');
      expect(walk.snapshot.context.transfer).toMatchObject({
        offset: B6.cut,
        length: B6.size,
        etag: B6.etag,
      });
      expect(walk.send({ type: 'NETWORK.BACK' })).toEqual([
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
      expect(
        walk.send({
          type: 'RESPONSE.HEADERS',
          status: 206,
          contentRange: 'bytes 1034-25431/25432',
          etag: B6.etag,
        }),
      ).toEqual([]);
      expect(walk.state).toBe('retrieving.downloading');
      expect(walk.snapshot.context.transfer.offset).toBe(B6.cut);
      expect(walk.send({ type: 'BODY.END', offset: B6.size })).toEqual([
        { type: 'preInstall', params: { files: [file] } },
      ]);
      // DL-PR-5: the kept range was never offered for use before installation.
      expect(walk.log.filter((e) => e.type === 'commitObject' || e.type === 'discardPartial')).toEqual([]);
      walk.send({ type: 'INSTALL.PREPARED' });
      walk.send({ type: 'REPORT.ACCEPTED' });
      expect(walk.snapshot.output).toMatchObject({ statusCode: 900, installed: true });
    },
  );

  it(
    verifies(
      ['DL-PR-10', 'DL-STATUS-957', 'DL-DD-5'],
      'resume answered 412 → report 957, discard, fetch updatedDDURI, update retrieval succeeds',
    ),
    () => {
      const walk = new Walk().toPausedAtCut();
      expect(walk.send({ type: 'USER.RESUME' })[0]).toMatchObject({ params: { ifMatch: B6.etag } });
      expect(walk.send({ type: 'RESPONSE.HEADERS', status: 412 })).toEqual([
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '957 Media Object Updated' } },
      ]);
      expect(walk.send({ type: 'REPORT.ACCEPTED' })).toEqual([
        { type: 'fetchDescriptor', params: { url: B6.updated } },
      ]);
      walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor({ version: '1.2' }), url: B6.updated });
      walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1_000_000 });
      expect(walk.send({ type: 'USER.CONFIRMED' })).toEqual([
        { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
      ]);
      walk.send({
        type: 'RESPONSE.HEADERS',
        status: 200,
        acceptRanges: 'bytes',
        etag: '"fasd987sadf98@example.com/1.2"',
      });
      walk.send({ type: 'BODY.END', offset: B6.size });
      expect(walk.send({ type: 'INSTALL.PREPARED' })).toEqual([
        { type: 'postReport', params: { url: B6.notify, body: '900 Success' } },
      ]);
      walk.send({ type: 'REPORT.ACCEPTED' });
      expect(walk.snapshot.output).toMatchObject({
        outcome: 'success',
        statusCode: 900,
        installed: true,
        files: [{ objectVersion: '1.2' }],
      });
      expect(walk.snapshot.context.updates).toBe(1);
    },
  );

  it(verifies(['DL-STATUS-957', 'DL-PR-10'], 'the deployed numbering reports 955 on a 412'), () => {
    const walk = new Walk({ numbering: 'deployed' }).toPausedAtCut();
    walk.send({ type: 'USER.RESUME' });
    expect(walk.send({ type: 'RESPONSE.HEADERS', status: 412 }).at(-1)).toEqual({
      type: 'postReport',
      params: { url: B6.notify, body: '955 Media Object Updated' },
    });
  });

  it(
    verifies(
      ['DL-RET-4', 'DL-PR-12', 'DL-INST-11'],
      'no Accept-Ranges: connection loss → 903, discarded, no Range ever',
    ),
    () => {
      const walk = new Walk().toDownloading({ acceptRanges: undefined });
      walk.send({ type: 'BODY.DURABLE', offset: B6.cut });
      expect(walk.send({ type: 'CONNECTION.LOST', cause: 'ECONNRESET' })).toEqual([
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '903 Loss of Service' } },
      ]);
      walk.send({ type: 'REPORT.ACCEPTED' });
      expect(walk.snapshot.output).toMatchObject({
        outcome: 'lossOfService',
        statusCode: 903,
        reported: true,
        installed: false,
      });
      expect(
        walk.log.some((e) => e.type === 'httpGet' && (e.params as { range?: string }).range !== undefined),
      ).toBe(false);
    },
  );

  it.each([404, 410])(verifies('DL-RET-3', 'object answered %i → 954 Loader Error'), (status) => {
    const walk = new Walk().toDownloading({ status });
    expect(walk.effects).toEqual([
      { type: 'abortTransfer', params: {} },
      { type: 'discardPartial', params: { scope: 'all' } },
      { type: 'postReport', params: { url: B6.notify, body: '954 Loader Error' } },
    ]);
    walk.send({ type: 'REPORT.ACCEPTED' });
    expect(walk.snapshot.output).toMatchObject({ statusCode: 954, nextURL: B6.next });
  });

  it(verifies('DL-INST-10', 'retrieved size differs from the DD size → 905, discarded'), () => {
    const walk = new Walk().toDownloading();
    expect(walk.send({ type: 'BODY.END', offset: B6.size - 1 })).toEqual([
      { type: 'discardPartial', params: { scope: 'all' } },
      { type: 'postReport', params: { url: B6.notify, body: '905 Attribute mismatch' } },
    ]);
  });

  it(
    verifies('DL-INST-10', 'a Content-Length other than the DD size is refused at the headers → 905'),
    () => {
      const walk = new Walk().toDownloading({ contentLength: 99 });
      expect(walk.effects.at(-1)).toEqual({
        type: 'postReport',
        params: { url: B6.notify, body: '905 Attribute mismatch' },
      });
    },
  );

  it(
    verifies(['DL-PR-6', 'DL-INST-11'], 'cancel while paused → 902 User Cancelled, kept range discarded'),
    () => {
      const walk = new Walk().toPausedAtCut();
      expect(walk.send({ type: 'USER.CANCEL' })).toEqual([
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '902 User Cancelled' } },
      ]);
      walk.send({ type: 'REPORT.ACCEPTED' });
      expect(walk.snapshot.output).toMatchObject({ outcome: 'userCancelled', statusCode: 902 });
    },
  );

  it(
    verifies(
      ['DL-DD-2', 'DL-INST-4'],
      'invalid DD → 906: unreported without a readable notify URI, reported with one',
    ),
    () => {
      const doctype = new Walk();
      expect(
        doctype.send({
          type: 'DESCRIPTOR.LOADED',
          url: B6.ddUrl,
          body: '<?xml version="1.0"?><!DOCTYPE media [<!ENTITY x SYSTEM "file:///etc/passwd">]><media>&x;</media>',
        }),
      ).toEqual([]);
      expect(doctype.snapshot.status).toBe('done');
      expect(doctype.snapshot.output).toMatchObject({ statusCode: 906, reported: false, installed: false });
      expect(doctype.snapshot.output?.reason).toMatch(/DOCTYPE/);

      const missingSize = new Walk();
      expect(
        missingSize.send({
          type: 'DESCRIPTOR.LOADED',
          url: B6.ddUrl,
          body: b6Descriptor().replace(/<size>.*<\/size>/, ''),
        }),
      ).toEqual([{ type: 'postReport', params: { url: B6.notify, body: '906 Invalid descriptor' } }]);
    },
  );

  it(verifies('DL-DD-3', 'DDVersion 3.0 → 951 Invalid DDVersion'), () => {
    const walk = new Walk();
    const effects = walk.send({
      type: 'DESCRIPTOR.LOADED',
      url: B6.ddUrl,
      body: '<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="3.0"><future/></media>',
    });
    expect(effects).toEqual([]);
    expect(walk.snapshot.output).toMatchObject({
      outcome: 'invalidDDVersion',
      statusCode: 951,
      statusLine: '951 Invalid DDVersion',
    });
  });

  it(
    verifies(
      ['DL-INST-12', 'DL-INST-2'],
      'notification endpoint down: report retried with back-off, then dropped with the object; download failed',
    ),
    () => {
      const walk = new Walk({ maxReportAttempts: 3, reportRetryMs: 1000 }).toDownloading();
      walk.send({ type: 'BODY.END', offset: B6.size });
      const report = { type: 'postReport', params: { url: B6.notify, body: '900 Success' } };
      expect(walk.send({ type: 'INSTALL.PREPARED' })).toEqual([report]);
      expect(walk.send({ type: 'REPORT.FAILED', status: 503 })).toEqual([
        { type: 'startTimer', params: { name: 'reportRetry', ms: 1000 } },
      ]);
      expect(walk.send({ type: 'TIMER.FIRED', name: 'reportRetry' })).toEqual([report]);
      expect(walk.send({ type: 'REPORT.FAILED' })).toEqual([
        { type: 'startTimer', params: { name: 'reportRetry', ms: 2000 } },
      ]);
      expect(walk.send({ type: 'TIMER.FIRED', name: 'reportRetry' })).toEqual([report]);
      expect(walk.send({ type: 'REPORT.FAILED' })).toEqual([
        { type: 'discardPartial', params: { scope: 'all' } },
      ]);
      expect(walk.snapshot.status).toBe('done');
      expect(walk.log.some((e) => e.type === 'commitObject')).toBe(false);
      expect(walk.snapshot.output).toMatchObject({
        outcome: 'success',
        statusCode: 900,
        reported: false,
        installed: false,
        files: [],
        // The 900 goes with the discarded object: never queued, never sent later (DL-INST-12 note).
        pendingReports: [],
      });
    },
  );

  it(verifies('DL-INST-12', 'a failure stays a failure when its report cannot be delivered'), () => {
    const walk = new Walk({ maxReportAttempts: 1 }).toDownloading({ status: 404 });
    expect(walk.send({ type: 'REPORT.FAILED' })).toEqual([]);
    expect(walk.snapshot.output).toMatchObject({
      outcome: 'loaderError',
      reported: false,
      pendingReports: [{ body: '954 Loader Error' }],
    });
  });
});
