import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { B6_VECTOR as B6, b6Descriptor, DownloadWalk as Walk } from './download.walk.js';

const dd2 = (suppress: string) => `<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0">
  <product>
    <meta><name>Bundle</name><suppressUserConfirmation>${suppress}</suppressUserConfirmation></meta>
    <mediaObject><size>10</size><type>image/png</type><objectURI><server>a.png</server></objectURI></mediaObject>
    <mediaObject><size>20</size><type>image/png</type><objectURI><server>b.png</server></objectURI></mediaObject>
  </product>
</media>`;

describe('dlotaMachine: more clause paths', () => {
  it(verifies('DL-INST-1', 'no InstallNotifyURI: commit right after installation, nothing reported'), () => {
    const walk = new Walk().toDownloading({}, b6Descriptor({ notify: false }));
    walk.send({ type: 'BODY.END', offset: B6.size });
    expect(walk.send({ type: 'INSTALL.PREPARED' })).toEqual([
      { type: 'commitObject', params: { files: [expect.objectContaining({ objectURI: B6.url })] } },
    ]);
    expect(walk.snapshot.output).toMatchObject({ statusCode: 900, reported: false, installed: true });
  });

  it(verifies('DL-STEP-3', 'not enough free space for the size → 901 before any GET'), () => {
    const walk = new Walk();
    walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
    expect(walk.send({ type: 'FREE_SPACE.MEASURED', bytes: B6.size - 1 })).toEqual([
      { type: 'postReport', params: { url: B6.notify, body: '901 Insufficient memory' } },
    ]);
  });

  it(verifies('DL-STEP-4', 'no supported type → 953 before any GET'), () => {
    const walk = new Walk({ supportedTypes: ['audio/*'] });
    walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
    expect(walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 })).toEqual([
      { type: 'postReport', params: { url: B6.notify, body: '953 Non-Acceptable Content' } },
    ]);
  });

  it(verifies('DL-STEP-5', 'declined confirmation → 902; pre-confirmed input skips the question'), () => {
    const walk = new Walk();
    walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
    walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 });
    expect(walk.send({ type: 'USER.DECLINED' })).toEqual([
      { type: 'postReport', params: { url: B6.notify, body: '902 User Cancelled' } },
    ]);
    const pre = new Walk({ preConfirmed: true });
    pre.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
    expect(pre.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 })).toEqual([
      { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
    ]);
  });

  it(
    verifies(
      ['DL-STEP-5', 'DL-DD-1'],
      'DD 2.0 suppressing confirmation: two media objects retrieved one after another',
    ),
    () => {
      const walk = new Walk();
      walk.send({ type: 'DESCRIPTOR.LOADED', body: dd2('Always'), url: 'http://h/dd/b.dd2' });
      expect(walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 30 })).toEqual([
        { type: 'httpGet', params: { url: 'http://h/dd/a.png', objectIndex: 0, offset: 0 } },
      ]);
      walk.send({ type: 'RESPONSE.HEADERS', status: 200, contentLength: 10 });
      expect(walk.send({ type: 'BODY.END', offset: 10 })).toEqual([
        { type: 'httpGet', params: { url: 'http://h/dd/b.png', objectIndex: 1, offset: 0 } },
      ]);
      walk.send({ type: 'RESPONSE.HEADERS', status: 200, contentLength: 20 });
      const [preInstall] = walk.send({ type: 'BODY.END', offset: 20 });
      expect(preInstall).toEqual({
        type: 'preInstall',
        params: {
          files: [
            { objectURI: 'http://h/dd/a.png', size: 10, types: ['image/png'] },
            { objectURI: 'http://h/dd/b.png', size: 20, types: ['image/png'] },
          ],
        },
      });
      walk.send({ type: 'INSTALL.PREPARED' });
      expect(walk.snapshot.output?.files).toHaveLength(2);
    },
  );

  it(verifies('DL-RET-5', 'user aborts during retrieval → transfer aborted, discarded, 902'), () => {
    const walk = new Walk().toDownloading();
    expect(walk.send({ type: 'USER.CANCEL' })).toEqual([
      { type: 'abortTransfer', params: {} },
      { type: 'discardPartial', params: { scope: 'all' } },
      { type: 'postReport', params: { url: B6.notify, body: '902 User Cancelled' } },
    ]);
  });

  it(verifies('DL-INST-6', 'user cancels after retrieval, before the notification → 902'), () => {
    const walk = new Walk().toDownloading();
    walk.send({ type: 'BODY.END', offset: B6.size });
    expect(walk.send({ type: 'USER.CANCEL' })).toEqual([
      { type: 'discardPartial', params: { scope: 'all' } },
      { type: 'postReport', params: { url: B6.notify, body: '902 User Cancelled' } },
    ]);
  });

  it.each([
    ['insufficientMemory', '901 Insufficient memory', 'DL-INST-7'],
    ['deviceAborted', '952 Device Aborted', 'DL-INST-8'],
    ['nonAcceptableContent', '953 Non-Acceptable Content', 'DL-INST-9'],
    ['attributeMismatch', '905 Attribute mismatch', 'DL-INST-10'],
  ] as const)(
    verifies(['DL-INST-7', 'DL-INST-8', 'DL-INST-9', 'DL-INST-10'], 'installer failure %s → %s'),
    (reason, line, _clause) => {
      const walk = new Walk().toDownloading();
      walk.send({ type: 'BODY.END', offset: B6.size });
      expect(walk.send({ type: 'INSTALL.FAILED', reason })).toEqual([
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: line } },
      ]);
    },
  );

  it(
    verifies(
      'DL-INST-11',
      'storage full: paused keeping the range with Accept-Ranges, 901 and discarded without',
    ),
    () => {
      const ranged = new Walk().toDownloading();
      ranged.send({ type: 'BODY.DURABLE', offset: 4096 });
      expect(ranged.send({ type: 'STORAGE.FULL' })).toEqual([{ type: 'abortTransfer', params: {} }]);
      expect(ranged.state).toBe('retrieving.paused');
      expect(ranged.snapshot.context).toMatchObject({ pauseCause: 'noMemory', transfer: { offset: 4096 } });

      const plain = new Walk().toDownloading({ acceptRanges: 'none' });
      expect(plain.send({ type: 'STORAGE.FULL' })).toEqual([
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '901 Insufficient memory' } },
      ]);
    },
  );

  it(verifies('DL-PR-11', 'a 206 that does not continue the kept range is not appended → 952'), () => {
    const walk = new Walk().toPausedAtCut();
    walk.send({ type: 'USER.RESUME' });
    expect(walk.send({ type: 'RESPONSE.HEADERS', status: 206, contentRange: 'bytes 0-25431/25432' })).toEqual(
      [
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '952 Device Aborted' } },
      ],
    );
  });

  it(verifies('DL-PR-11', 'a 200 to a resume restarts from byte 0 and never appends'), () => {
    const walk = new Walk().toPausedAtCut();
    walk.send({ type: 'USER.RESUME' });
    expect(
      walk.send({ type: 'RESPONSE.HEADERS', status: 200, acceptRanges: 'bytes', contentLength: B6.size }),
    ).toEqual([
      { type: 'abortTransfer', params: {} },
      { type: 'discardPartial', params: { scope: 'object', objectIndex: 0 } },
      { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
    ]);
    expect(walk.snapshot.context.transfer.offset).toBe(0);
  });

  it(
    verifies(
      ['DL-PR-4', 'DL-PR-7', 'DL-PR-12'],
      'user pause/resume; network back does not override a user pause',
    ),
    () => {
      const walk = new Walk().toDownloading();
      walk.send({ type: 'BODY.DURABLE', offset: 2048 });
      expect(walk.send({ type: 'USER.PAUSE' })).toEqual([{ type: 'abortTransfer', params: {} }]);
      expect(walk.send({ type: 'NETWORK.BACK' })).toEqual([]);
      expect(walk.send({ type: 'USER.RESUME' })[0]).toMatchObject({
        params: { range: 'bytes=2048-25431', offset: 2048 },
      });
    },
  );

  it(
    verifies(['DL-PR-4', 'DL-PR-7'], 'restart after a crash resumes from what the journal says is on disk'),
    () => {
      const walk = new Walk({ preConfirmed: true });
      walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
      walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 });
      expect(
        walk.send({
          type: 'RESTART.RECOVERED',
          offset: 17_000,
          etag: B6.etag,
          length: B6.size,
          acceptRanges: true,
        }),
      ).toEqual([
        { type: 'abortTransfer', params: {} },
        {
          type: 'httpGet',
          params: {
            url: B6.url,
            objectIndex: 0,
            offset: 17_000,
            range: 'bytes=17000-25431',
            ifMatch: B6.etag,
          },
        },
      ]);
      // A restart is a new run: once the object is being received, a journal offer is not an event it takes.
      const downloading = new Walk().toDownloading();
      downloading.send({ type: 'BODY.DURABLE', offset: 20_000 });
      expect(
        downloading.send({ type: 'RESTART.RECOVERED', offset: 100, length: B6.size, acceptRanges: true }),
      ).toEqual([]);
      expect(downloading.state).toBe('retrieving.downloading');
      expect(downloading.snapshot.context.transfer.offset).toBe(20_000);
    },
  );

  it('a crash before the response headers GETs the object again from byte 0', () => {
    const walk = new Walk({ preConfirmed: true });
    walk.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
    walk.send({ type: 'FREE_SPACE.MEASURED', bytes: 1e9 });
    expect(walk.send({ type: 'RESTART.RECOVERED', offset: 0, length: B6.size })).toEqual([
      { type: 'discardPartial', params: { scope: 'object', objectIndex: 0 } },
      { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
    ]);
  });

  it(verifies('DL-PR-12', 'network back does not resume when the policy says no'), () => {
    const walk = new Walk({ resumePolicy: { onNetworkBack: false } }).toPausedAtCut();
    expect(walk.send({ type: 'NETWORK.BACK' })).toEqual([]);
    expect(walk.state).toBe('retrieving.paused');
  });

  it(verifies('DL-NEXT-1', 'nextURL is offered after a failure too'), () => {
    const walk = new Walk().toPausedAtCut();
    walk.send({ type: 'USER.CANCEL' });
    walk.send({ type: 'REPORT.ACCEPTED' });
    expect(walk.snapshot.output?.nextURL).toBe(B6.next);
  });

  it(verifies('DL-RET-1', 'a non-http(s) ObjectURI is never requested: 906'), () => {
    const walk = new Walk();
    walk.send({
      type: 'DESCRIPTOR.LOADED',
      url: B6.ddUrl,
      body: b6Descriptor().replace('../pic-dir/picture.gif', 'ftp://host.foo.bar/picture.gif'),
    });
    expect(walk.log.some((e) => e.type === 'httpGet')).toBe(false);
    expect(walk.effects).toEqual([
      { type: 'postReport', params: { url: B6.notify, body: '906 Invalid descriptor' } },
    ]);
  });

  it(
    verifies('DL-INST-12', 'shutdown while waiting to retry a report: timer cancelled, report queued'),
    () => {
      const walk = new Walk().toDownloading({ status: 404 });
      walk.send({ type: 'REPORT.FAILED' });
      expect(walk.send({ type: 'DEVICE.SHUTDOWN' })).toEqual([
        { type: 'cancelTimer', params: { name: 'reportRetry' } },
      ]);
      expect(walk.snapshot.output?.pendingReports).toEqual([
        { url: B6.notify, body: '954 Loader Error', outcome: 'loaderError' },
      ]);
    },
  );

  it(
    verifies(
      ['DL-PR-10', 'DL-PR-11'],
      '412 without updatedDDURI: no 957, no descriptor fetch; the kept range is discarded and the object fetched from 0',
    ),
    () => {
      const walk = new Walk().toDownloading(
        {},
        b6Descriptor().replace(/<updatedDDURI>.*<\/updatedDDURI>/, ''),
      );
      walk.send({ type: 'BODY.DURABLE', offset: 10 });
      walk.send({ type: 'CONNECTION.LOST', cause: 'x' });
      walk.send({ type: 'USER.RESUME' });
      const before = walk.log.length;
      expect(walk.send({ type: 'RESPONSE.HEADERS', status: 412 })).toEqual([
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'object', objectIndex: 0 } },
        { type: 'httpGet', params: { url: B6.url, objectIndex: 0, offset: 0 } },
      ]);
      expect(walk.state).toBe('retrieving.requesting');
      walk.send({ type: 'RESPONSE.HEADERS', status: 200, acceptRanges: 'bytes', contentLength: B6.size });
      expect(walk.state).toBe('retrieving.downloading');
      const after = walk.log.slice(before);
      expect(after.some((e) => e.type === 'postReport' || e.type === 'fetchDescriptor')).toBe(false);
    },
  );

  it(
    verifies(
      ['DL-RET-5', 'DL-INST-11'],
      'a user stop that cannot pause (no Accept-Ranges, or before the headers) → 902',
    ),
    () => {
      const walk = new Walk().toDownloading({ acceptRanges: undefined });
      walk.send({ type: 'BODY.DURABLE', offset: B6.cut });
      expect(walk.send({ type: 'USER.PAUSE' })).toEqual([
        { type: 'abortTransfer', params: {} },
        { type: 'discardPartial', params: { scope: 'all' } },
        { type: 'postReport', params: { url: B6.notify, body: '902 User Cancelled' } },
      ]);
      const early = new Walk();
      early.send({ type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl });
      early.send({ type: 'FREE_SPACE.MEASURED', bytes: B6.size });
      early.send({ type: 'USER.CONFIRMED' });
      expect(early.state).toBe('retrieving.requesting');
      early.send({ type: 'USER.PAUSE' });
      expect(early.snapshot.context.outcome).toBe('userCancelled');
    },
  );
});
